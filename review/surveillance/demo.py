"""Demo surveillance data: one complaint to triage (idempotent, by service and text)."""

from __future__ import annotations

from sqlalchemy import select

from catalogue.services import get_service_by_slug
from ens_core.accounts.services import find_user_by_email
from ens_core.db import db, utcnow
from review.surveillance import services
from review.surveillance.models import Complaint, ComplaintCategory

DESCRIPTION = (
    "Le certificat HDS de l'hébergeur arrive à échéance le mois prochain ; "
    "aucune preuve de renouvellement n'a été transmise."
)


def load_demo_surveillance() -> None:
    agent = find_user_by_email("agent@demo.ens")
    service = get_service_by_slug("journal-sante")
    if agent is None or service is None:
        return
    exists = db.session.scalar(
        select(Complaint.id).where(
            Complaint.service_id == service.id, Complaint.description == DESCRIPTION
        )
    )
    if exists is None:
        services.file_complaint(
            agent,
            service,
            category=ComplaintCategory.HOSTING,
            description=DESCRIPTION,
            now=utcnow(),
        )
