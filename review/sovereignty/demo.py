"""Demo data for sovereignty: nordic-move hosted in Norway (EEA, fine), journal-sante
whose HDS certificate expires next month, respire-mieux owned 70 % by a US holding
(suspended, deadline running). Get-or-create by natural keys; idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalogue.models import (
    DataPurpose,
    HostingDeclaration,
    Organisation,
    OwnerDeclaration,
    Service,
    ServiceStatus,
)
from catalogue.services import create_organisation, publish_referencing
from ens_core.accounts.services import find_user_by_email
from ens_core.db import db, utcnow
from review.sovereignty import services

SINCE = date(2025, 1, 1)


def _organisation(editor, legal_name: str, country: str, **fields) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.legal_name == legal_name))
    if org is None:
        org = create_organisation(editor, legal_name=legal_name, country=country, **fields)
    return org


def _service(org: Organisation, slug: str, name: str, description: str) -> Service:
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None:
        service = Service(
            organisation_id=org.id, slug=slug, name=name, short_description=description
        )
        db.session.add(service)
        db.session.flush()
    return service


def _hosting(service, provider, country, number, expiry):
    exists = db.session.scalar(
        select(HostingDeclaration.id).where(HostingDeclaration.service_id == service.id)
    )
    if exists is None:
        db.session.add(
            HostingDeclaration(
                service_id=service.id,
                provider=provider,
                country=country,
                hds_certificate_number=number,
                hds_certificate_expiry=expiry,
                effective_from=SINCE,
            )
        )
        db.session.flush()


def _reference(service, actor):
    if service.status is ServiceStatus.DRAFT:
        publish_referencing(
            service,
            actor=actor,
            decided_at=utcnow() - timedelta(days=200),
            valid_until=date.today() + timedelta(days=3 * 365 - 200),
            data_uses=[("patient/Observation.rs", DataPurpose.PREVENTION, 365)],
        )


def _connect_camille(service: Service) -> None:
    """Camille has connected Nordic Move (so that she is notified of its suspension)."""
    from authz.models import ClientKind, Grant
    from authz.services import clients_of_service, create_client

    camille = find_user_by_email("camille@demo.ens")
    if camille is None:
        return
    clients = [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    if not clients:
        client, _secret = create_client(
            service,
            kind=ClientKind.PRODUCTION,
            name=service.name,
            redirect_uris=["https://nordic-move.example/callback"],
            scope_ceiling="patient/Observation.rs",
            client_id=f"demo-{service.slug}",
        )
        clients = [client]
    exists = db.session.scalar(
        select(Grant.id).where(Grant.citizen_id == camille.id, Grant.service_id == service.id)
    )
    if exists is None:
        db.session.add(
            Grant(
                citizen_id=camille.id,
                service_id=service.id,
                client_id=clients[0].id,
                scopes="patient/Observation.rs",
                consented_by_id=camille.id,
            )
        )
        db.session.flush()


def load_demo_sovereignty() -> None:
    services.seed_registry()
    editor = find_user_by_email("editeur@demo.ens")
    agent = find_user_by_email("agent@demo.ens")
    if editor is None:
        return
    today = date.today()
    sante = _organisation(editor, "Santé Connect SAS", "FR", siren="732829320")
    nordic = _organisation(editor, "Nordic Health AS", "NO")
    bright = _organisation(editor, "BrightPath Santé SAS", "FR")

    nordic_move = _service(nordic, "nordic-move", "Nordic Move", "Activité physique au quotidien.")
    _hosting(
        nordic_move,
        "Green Mountain Datasenter",
        "NO",
        "HDS-NO-2024-118",
        today + timedelta(days=700),
    )
    _reference(nordic_move, agent)

    _connect_camille(nordic_move)

    journal = _service(sante, "journal-sante", "Journal Santé", "Votre journal de santé.")
    _hosting(journal, "OVHcloud Healthcare", "FR", "HDS-FR-2023-042", today + timedelta(days=30))
    _reference(journal, agent)

    respire = _service(bright, "respire-mieux", "Respire Mieux", "Suivi de l'asthme et de la BPCO.")
    _hosting(respire, "Scaleway HDS", "FR", "HDS-FR-2024-311", today + timedelta(days=900))
    if (
        db.session.scalar(
            select(OwnerDeclaration.id).where(OwnerDeclaration.organisation_id == bright.id)
        )
        is None
    ):
        db.session.add(
            OwnerDeclaration(
                organisation_id=bright.id,
                entity_name="BrightPath Holdings Inc.",
                parent_group="BrightPath Holdings Inc.",
                country="US",
                share_percent=70.0,
                declared_control=True,
                effective_from=today - timedelta(days=45),
            )
        )
        db.session.flush()
    _reference(respire, agent)
    if respire.status is ServiceStatus.REFERENCED:
        # The buyout was declared 45 days ago: the deadline has been running since then.
        services.evaluate_and_apply(respire, agent, utcnow() - timedelta(days=45))
