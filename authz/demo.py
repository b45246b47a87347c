"""Demo OAuth clients and sandbox citizens (listed in README, "Trying the API").

Idempotent: looks everything up by natural key (slug, client_id, email) first. Creates the
two services it needs when another loader has not (a draft one is referenced here)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from authz.models import AuthMethod, Client, ClientKind
from authz.services import create_client, get_client
from catalogue.models import DataPurpose, HostingDeclaration, Organisation, Service, ServiceStatus
from catalogue.services import create_organisation, get_service_by_slug, publish_referencing
from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email
from ens_core.db import db, utcnow

DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"
SANDBOX_PASSWORD = "sandbox-demo-2026"  # noqa: S105 (documented demo password)
SANDBOX_CITIZENS = [
    ("sandbox1@sandbox.ens", "Alex Fictif", date(1985, 6, 1)),
    ("sandbox2@sandbox.ens", "Sam Fictif", date(1992, 2, 20)),
]

TENSION_CEILING = (
    "patient/Observation.rs patient/Observation.cu patient/Patient.r openid fhirUser "
    "offline_access launch/patient"
)
JOURNAL_CEILING = "patient/DocumentReference.rs patient/Appointment.rs offline_access"

SERVICES = {
    "tension-suivi": (
        "Tension Suivi",
        "Suivi de la tension artérielle à domicile, partagé avec votre médecin.",
        [
            ("patient/Observation.rs", DataPurpose.CARE, 365),
            ("patient/Observation.cu", DataPurpose.CARE, 365),
            ("patient/Patient.r", DataPurpose.CARE, 365),
        ],
    ),
    "journal-sante": (
        "Journal Santé",
        "Un journal de vos documents et rendez-vous de santé.",
        [
            ("patient/DocumentReference.rs", DataPurpose.CARE, 730),
            ("patient/Appointment.rs", DataPurpose.CARE, 365),
        ],
    ),
}


def _organisation() -> Organisation:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.legal_name == "Santé Connect SAS")
    )
    if organisation is not None:
        return organisation
    editor = find_user_by_email("editeur@demo.ens") or create_user(
        email="editeur@demo.ens",
        name="Élise Fournier",
        password="editeur-demo-2026",  # noqa: S106 (documented demo password)
        roles={Role.EDITOR},
    )
    return create_organisation(
        editor, legal_name="Santé Connect SAS", siren="732829320", country="FR"
    )


def _referenced_service(slug: str) -> Service:
    name, description, uses = SERVICES[slug]
    service = get_service_by_slug(slug)
    if service is None:
        service = Service(
            organisation_id=_organisation().id,
            name=name,
            slug=slug,
            short_description=description,
        )
        db.session.add(service)
        db.session.flush()
    if not db.session.scalar(
        select(HostingDeclaration.id).where(HostingDeclaration.service_id == service.id)
    ):
        db.session.add(
            HostingDeclaration(
                service_id=service.id,
                provider="Hébergeur HDS Lyon",
                country="FR",
                hds_certificate_number="HDS-2025-0042",
                hds_certificate_expiry=date.today() + timedelta(days=700),
                effective_from=date(2025, 1, 1),
            )
        )
    if service.status is ServiceStatus.DRAFT:
        publish_referencing(
            service,
            actor=find_user_by_email("agent@demo.ens"),
            decided_at=utcnow() - timedelta(days=90),
            valid_until=date.today() + timedelta(days=3 * 365 - 90),
            data_uses=uses,
        )
    db.session.flush()
    return service


def _client(service, client_id: str, **fields) -> Client:
    client = get_client(client_id)
    if client is None:
        client, _ = create_client(service, client_id=client_id, **fields)
    return client


def load_demo_clients() -> None:
    tension = _referenced_service("tension-suivi")
    journal = _referenced_service("journal-sante")
    _client(
        tension,
        "demo-tension",
        kind=ClientKind.PRODUCTION,
        name="Tension Suivi (démo)",
        redirect_uris=[DEMO_REDIRECT_URI],
        scope_ceiling=TENSION_CEILING,
        auth_method=AuthMethod.NONE,
    )
    _client(
        journal,
        "demo-journal",
        kind=ClientKind.PRODUCTION,
        name="Journal Santé (démo)",
        redirect_uris=[DEMO_REDIRECT_URI],
        scope_ceiling=JOURNAL_CEILING,
        auth_method=AuthMethod.CLIENT_SECRET_BASIC,
        secret="demo-journal-secret",  # noqa: S106 (documented demo secret)
    )
    _client(
        tension,
        "demo-tension-sandbox",
        kind=ClientKind.SANDBOX,
        name="Tension Suivi (bac à sable)",
        redirect_uris=[DEMO_REDIRECT_URI],
        scope_ceiling=TENSION_CEILING,
        auth_method=AuthMethod.NONE,
    )
    for email, name, birth_date in SANDBOX_CITIZENS:
        if find_user_by_email(email) is None:
            create_user(
                email=email,
                name=name,
                password=SANDBOX_PASSWORD,
                roles={Role.CITIZEN},
                birth_date=birth_date,
                is_synthetic=True,
            )
