"""Demo health space: Camille (a year of measures, documents, appointments, two connected
services and a history); Karim, guardian of Léa (16), who hides one service from him.
Idempotent, and robust when other packages' loaders did not run (get-or-create by slug)."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email
from ens_core.db import db, utcnow
from ens_core.health import delegation
from ens_core.health import services as health
from ens_core.health.access_log import record_access
from ens_core.health.models import (
    Appointment,
    Document,
    Guardianship,
    GuardianshipKind,
    Measurement,
)

LEA = ("lea@demo.ens", "Léa Benali", "lea-demo-2026")
SCOPES = {
    "tension-suivi": "launch/patient openid offline_access patient/Observation.rs patient/Observation.cu",
    "journal-sante": "launch/patient patient/Observation.rs patient/DocumentReference.rs "
    "patient/DocumentReference.c patient/Appointment.rs patient/Appointment.cud",
    "sommeil-serein": "launch/patient patient/Observation.rs patient/Observation.cu",
}
NAMES = {
    "tension-suivi": "Tension Suivi",
    "journal-sante": "Journal Santé",
    "sommeil-serein": "Sommeil Serein",
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _organisation():
    from catalogue.models import Organisation
    from catalogue.services import create_organisation

    org = db.session.scalar(select(Organisation).where(Organisation.siren == "732829320"))
    if org is None:
        editor = find_user_by_email("editeur@demo.ens") or create_user(
            email="editeur@demo.ens",
            name="Élise Fournier",
            password="editeur-demo-2026",  # noqa: S106 (demo account)
            roles={Role.EDITOR},
        )
        org = create_organisation(
            editor, legal_name="Santé Connect SAS", country="FR", siren="732829320"
        )
    return org


def _service(slug: str):
    from catalogue.models import Service, ServiceStatus

    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None:
        service = Service(
            organisation_id=_organisation().id,
            name=NAMES[slug],
            slug=slug,
            status=ServiceStatus.REFERENCED,
            referenced_at=utcnow(),
        )
        db.session.add(service)
        db.session.flush()
    return service


def _client(service):
    from authz.models import Client, ClientKind
    from authz.services import create_client

    client = db.session.scalar(
        select(Client)
        .where(Client.service_id == service.id, Client.kind == ClientKind.PRODUCTION)
        .order_by(Client.id)
    )
    if client is None:
        client = db.session.scalar(select(Client).where(Client.client_id == f"{service.slug}-demo"))
    if client is None:
        client, _ = create_client(
            service,
            kind=ClientKind.PRODUCTION,
            name=service.name,
            redirect_uris=[f"http://127.0.0.1:8765/{service.slug}/callback"],
            scope_ceiling=SCOPES[service.slug],
            client_id=f"{service.slug}-demo",
        )
    return client


def _grant(citizen, slug: str, *, consented_by=None, days_ago: int = 90):
    from authz.consent import grant_of, record_consent

    service = _service(slug)
    grant = grant_of(citizen, service)
    if grant is None:
        client = _client(service)
        grant, _ = record_consent(
            citizen,
            service,
            client,
            SCOPES[slug].split(),
            consented_by=consented_by,
            months=12,
            now=utcnow() - timedelta(days=days_ago),
        )
    return service, grant


def _user(email, name, password, birth_date):
    return find_user_by_email(email) or create_user(
        email=email, name=name, password=password, roles={Role.CITIZEN}, birth_date=birth_date
    )


def _measures(citizen, tension, journal, rng: random.Random) -> None:
    today = datetime.combine(utcnow().date(), time(8, 0), tzinfo=UTC)
    tension_src = health.Source(service=tension, client=_client(tension))
    journal_src = health.Source(service=journal, client=_client(journal))
    rows = []
    for day in range(365, 0, -1):
        at = today - timedelta(days=day)
        trend = math.sin(day / 58)
        if day % 3 == 0:
            rows.append(
                (
                    "85354-9",
                    at + timedelta(hours=1),
                    round(128 + 6 * trend + rng.gauss(0, 4)),
                    round(82 + 3 * trend + rng.gauss(0, 3)),
                    "mm[Hg]",
                    tension_src,
                )
            )
        rows.append(
            (
                "55423-8",
                at + timedelta(hours=14),
                max(800, round(7800 + 2500 * trend + rng.gauss(0, 1500))),
                None,
                "{steps}/d",
                journal_src,
            )
        )
        if day % 7 == 0:
            rows.append(
                (
                    "29463-7",
                    at,
                    round(68.5 - day / 365 * 2.5 + rng.gauss(0, 0.3), 1),
                    None,
                    "kg",
                    journal_src,
                )
            )
            rows.append(
                (
                    "2339-0",
                    at + timedelta(minutes=20),
                    round(92 + rng.gauss(0, 7)),
                    None,
                    "mg/dL",
                    journal_src,
                )
            )
        if day % 30 == 0:
            rows.append(
                (
                    "8867-4",
                    at + timedelta(hours=1),
                    round(68 + rng.gauss(0, 5)),
                    None,
                    "/min",
                    tension_src,
                )
            )
    for code, at, value, value2, unit, source in rows:
        health.add_measurement(
            citizen,
            {"code": code, "effective_at": at, "value": value, "value2": value2, "unit": unit},
            source,
        )


def _documents(citizen, journal) -> list[Document]:
    src = health.Source(service=journal, client=_client(journal))
    me = health.Source(person=citizen)
    now = utcnow()
    docs = []
    for title, code, days, source in [
        ("Compte rendu de consultation cardiologie", "11488-4", 200, src),
        ("Bilan sanguin annuel", "11502-2", 120, me),
        ("Ordonnance — antihypertenseur", "57833-6", 60, src),
        ("Radiographie du genou droit", "18748-4", 20, me),
    ]:
        docs.append(
            health.add_document(
                citizen,
                {
                    "type_code": code,
                    "title": title,
                    "date": now - timedelta(days=days),
                    "content": PDF,
                    "content_type": "application/pdf",
                },
                source,
            )
        )
    return docs


def _appointments(citizen, journal) -> None:
    src = health.Source(service=journal, client=_client(journal))
    now = datetime.combine(utcnow().date(), time(9, 30), tzinfo=UTC)
    for days, what, who, where, status in [
        (
            -45,
            "Consultation de suivi tensionnel",
            "Dr Claire Moreau, cardiologue",
            "Hôpital Saint-Louis, Paris",
            "fulfilled",
        ),
        (12, "Bilan sanguin", "Laboratoire Biomédical", "Paris 10e", "booked"),
        (
            40,
            "Consultation de médecine générale",
            "Dr Paul Lefort",
            "Cabinet médical, Paris 11e",
            "booked",
        ),
    ]:
        health.add_appointment(
            citizen,
            {
                "status": status,
                "description": what,
                "practitioner": who,
                "location": where,
                "start": now + timedelta(days=days),
                "end": now + timedelta(days=days, minutes=30),
            },
            src,
        )


def _history(citizen, services, rng: random.Random) -> None:
    now = utcnow()
    for day in range(60, 0, -1):
        for service, client, rtype, interaction in services:
            if rng.random() < 0.4:
                record_access(
                    citizen,
                    interaction=interaction,
                    resource_type=rtype,
                    resource_ids=[],
                    service=service,
                    client=client,
                    ip="203.0.113.10",
                    at=now - timedelta(days=day, hours=rng.randint(0, 10)),
                )


def load_health_demo() -> None:
    rng = random.Random(2026)  # noqa: S311 (demo data)
    camille = _user("camille@demo.ens", "Camille Martin", "camille-demo-2026", date(1988, 4, 12))
    karim = _user("karim@demo.ens", "Karim Benali", "karim-demo-2026", date(1979, 9, 3))
    today = utcnow().date()
    lea_birth = (
        date(today.year - 16, 1, 15)
        if today >= date(today.year, 3, 1)
        else date(today.year - 17, 9, 15)
    )
    lea = _user(*LEA, lea_birth)

    tension, _g1 = _grant(camille, "tension-suivi", days_ago=120)
    journal, _g2 = _grant(camille, "journal-sante", days_ago=340)
    if (
        db.session.scalar(
            select(Measurement.id).where(Measurement.citizen_id == camille.id).limit(1)
        )
        is None
    ):
        _measures(camille, tension, journal, rng)
        _documents(camille, journal)
        _appointments(camille, journal)
        _history(
            camille,
            [
                (tension, _client(tension), "Observation", "search"),
                (tension, _client(tension), "Observation", "create"),
                (journal, _client(journal), "DocumentReference", "search"),
                (journal, _client(journal), "Appointment", "read"),
            ],
            rng,
        )

    if (
        db.session.scalar(select(Guardianship.id).where(Guardianship.ward_id == lea.id).limit(1))
        is None
    ):
        agent = find_user_by_email("agent@demo.ens")
        delegation.link_guardian(
            agent, karim, lea, GuardianshipKind.MINOR, reference="Livret de famille n° 2010-75-0412"
        )
    journal_lea, _ = _grant(lea, "journal-sante", days_ago=30)
    sommeil, _ = _grant(lea, "sommeil-serein", days_ago=10)
    if db.session.scalar(select(Document.id).where(Document.citizen_id == lea.id).limit(1)) is None:
        src = health.Source(service=journal_lea, client=_client(journal_lea))
        health.add_document(
            lea,
            {
                "type_code": "11488-4",
                "title": "Certificat médical — sport",
                "date": utcnow() - timedelta(days=25),
                "content": PDF,
                "content_type": "application/pdf",
            },
            src,
        )
        private = health.add_document(
            lea,
            {
                "type_code": "11488-4",
                "title": "Consultation au centre de santé sexuelle",
                "date": utcnow() - timedelta(days=8),
                "content": PDF,
                "content_type": "application/pdf",
            },
            health.Source(person=lea),
        )
        sleep_src = health.Source(service=sommeil, client=_client(sommeil))
        for day in range(10, 0, -1):
            health.add_measurement(
                lea,
                {
                    "code": "8867-4",
                    "effective_at": utcnow() - timedelta(days=day),
                    "value": 58 + day % 5,
                    "unit": "/min",
                },
                sleep_src,
            )
        delegation.set_hidden_from_guardian(lea, service_id=sommeil.id, hidden=True)
        delegation.set_hidden_from_guardian(lea, document_id=private.id, hidden=True)
        record_access(
            lea,
            interaction="search",
            resource_type="Observation",
            service=sommeil,
            client=_client(sommeil),
            ip="203.0.113.20",
        )
    _ = Appointment
