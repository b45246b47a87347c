"""Renewal of a referencing: reminders 90 and 30 days before ``service.valid_until``,
renewal requests, and delisting at expiry (no deletion order for expiry alone).

The renewal dossier itself (pre-filled from the last one, filed against the current
referential) belongs to the dossiers module; it calls :func:`mark_renewal_filed` when
the dossier is filed and :func:`grant_renewal` from the referencing decision.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from catalogue.models import Service, ServiceEventKind, ServiceStatus
from catalogue.services import WATCHED_STATUSES, get_service, services_due_for_renewal
from ens_core.audit.services import record_event
from ens_core.db import db
from review.dossiers.models import Dossier, DossierState
from review.sovereignty import services as sovereignty
from review.surveillance.models import RenewalNotice, RenewalRequest, RenewalState
from review.surveillance.services import lift_sanction, sanctions_to_lift

REMINDER_DAYS = (90, 30)


class RenewalError(ValueError):
    pass


def open_renewal_request(editor, service: Service, *, now: datetime) -> RenewalRequest:
    """Start a renewal (idempotent while one is open); links the last referenced dossier
    so that the dossiers module can pre-fill the new one from it."""
    if service.valid_until is None or service.status not in (
        ServiceStatus.REFERENCED,
        ServiceStatus.SUSPENDED,
    ):
        raise RenewalError(_("Ce service n'a pas de référencement à renouveler."))
    existing = current_request(service)
    if existing is not None:
        return existing
    previous = db.session.scalar(
        select(Dossier.id)
        .where(Dossier.service_id == service.id, Dossier.state == DossierState.REFERENCED)
        .order_by(Dossier.id.desc())
    )
    request = RenewalRequest(
        service_id=service.id,
        expiring_on=service.valid_until,
        previous_dossier_id=previous,
        opened_by_id=editor.id,
        opened_at=now,
    )
    db.session.add(request)
    db.session.flush()
    record_event(editor, "renewal.opened", "renewal", request.id, service=service.id)
    return request


def current_request(service: Service) -> RenewalRequest | None:
    return db.session.scalar(
        select(RenewalRequest).where(
            RenewalRequest.service_id == service.id,
            RenewalRequest.state.in_([RenewalState.OPEN, RenewalState.FILED]),
        )
    )


def mark_renewal_filed(request: RenewalRequest, dossier_id: int) -> None:
    """Hook for the dossiers module: the renewal dossier was filed."""
    request.dossier_id = dossier_id
    request.state = RenewalState.FILED
    db.session.flush()


def pending_requests(service_ids) -> list[RenewalRequest]:
    """The renewal requests of these services still open or filed."""
    return list(
        db.session.scalars(
            select(RenewalRequest).where(
                RenewalRequest.service_id.in_(list(service_ids)),
                RenewalRequest.state.in_([RenewalState.OPEN, RenewalState.FILED]),
            )
        )
    )


def request_decided_by(service: Service, dossier_id: int) -> RenewalRequest | None:
    """The renewal request this dossier answers, if the dossier is a renewal dossier."""
    request = current_request(service)
    return request if request is not None and request.dossier_id == dossier_id else None


def close_granted(request: RenewalRequest, now: datetime) -> None:
    """The renewal dossier was referenced: the request is granted (the decision module
    publishes the new validity and the RENEWED history entry)."""
    request.state = RenewalState.GRANTED
    request.closed_at = now
    db.session.flush()


def grant_renewal(service: Service, *, actor, new_valid_until: date, now: datetime) -> None:
    """Hook for the decision module: the referencing is renewed until ``new_valid_until``."""
    request = current_request(service)
    if request is not None:
        request.state = RenewalState.GRANTED
        request.closed_at = now
    service.valid_until = new_valid_until
    sovereignty.record_listing_event(
        service,
        ServiceEventKind.RENEWED,
        _("Référencement renouvelé jusqu'au %(d)s.", d=new_valid_until.strftime("%d/%m/%Y")),
        at=now,
        details={"valid_until": new_valid_until.isoformat()},
    )
    record_event(actor, "renewal.granted", "service", service.id, until=str(new_valid_until))
    db.session.flush()


def renewal_sweep(*, now: datetime, dry_run: bool, skip: dict | None = None):
    """Reminders and expiries; yields (slug, action, detail). Idempotent."""
    skip = skip or {}
    on = now.date()
    for sanction in sanctions_to_lift(on):
        service = get_service(sanction.service_id)
        if not dry_run:
            lift_sanction(None, sanction, now=now)
        yield service.slug, "reinstated", "sanction ended"
    rows = services_due_for_renewal(WATCHED_STATUSES, on + timedelta(days=max(REMINDER_DAYS)))
    ids = [r.id for r in rows]
    sent = {
        (n.service_id, n.valid_until, n.days_before)
        for n in db.session.scalars(select(RenewalNotice).where(RenewalNotice.service_id.in_(ids)))
    }
    for row in rows:
        if skip.get(row.id) == sovereignty.DELIST:
            continue
        if row.valid_until < on:
            if not dry_run:
                expire(get_service(row.id), now=now)
            yield row.slug, "expired", f"valid until {row.valid_until.isoformat()}"
            continue
        due = [
            d
            for d in REMINDER_DAYS
            if row.valid_until - timedelta(days=d) <= on
            and (row.id, row.valid_until, d) not in sent
        ]
        if not due:
            continue
        if not dry_run:
            service = get_service(row.id)
            for d in due:
                db.session.add(
                    RenewalNotice(
                        service_id=row.id, valid_until=row.valid_until, days_before=d, sent_at=now
                    )
                )
            sovereignty.notify_editors(
                service,
                "renewal.reminder",
                _("Renouvellement de %(service)s", service=service.name),
                _(
                    "Le référencement expire le %(d)s : déposez un dossier de renouvellement.",
                    d=row.valid_until.strftime("%d/%m/%Y"),
                ),
                "/editeur/conformite",
            )
            db.session.flush()
        yield row.slug, "renewal_notices", f"{min(due)} days before {row.valid_until.isoformat()}"


def expire(service: Service, *, now: datetime) -> None:
    """Validity ended without renewal: delisted (no deletion order for that alone)."""
    request = current_request(service)
    if request is not None:
        request.state = RenewalState.LAPSED
        request.closed_at = now
    reason = _(
        "Fin de validité du référencement le %(d)s sans renouvellement.",
        d=service.valid_until.strftime("%d/%m/%Y"),
    )
    sovereignty.delist(service, actor=None, now=now, reason=reason, kind=ServiceEventKind.EXPIRED)
