"""Consent: what a service asks, what the citizen grants, and the receipt of it.

Granted scopes = requested ∩ client ceiling ∩ what the citizen ticks. A grant is unique per
(citizen, service); consenting again updates it (scopes, duration) and writes a new receipt.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import or_, select

from authz.models import Client, ConsentReceipt, Grant
from authz.services import renew_grant, revoke_grant
from authz.tokens import revoke_family
from ens_core import signals
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.scopes import SCOPE_LABELS_EN, Scope, join, parse_scopes
from ens_core.service_directory import SERVICES
from ens_core.signals import grant_changed

MAX_MONTHS = 13
DAYS_PER_MONTH = 30.44
# One-time access: the grant ends with the access token it yields (10 min) plus the
# code's minute; no refresh token is ever issued under it.
ONE_TIME_SECONDS = 11 * 60


def data_use_of(service, scope: str):
    for use in getattr(service, "data_uses", []) or []:
        if use.scope == scope:
            return use
    return None


def grant_of(citizen, service) -> Grant | None:
    return db.session.scalar(
        select(Grant).where(Grant.citizen_id == citizen.id, Grant.service_id == service.id)
    )


def expiry_for(*, one_time: bool, months: int | None, now) -> timedelta:
    if one_time:
        return timedelta(seconds=ONE_TIME_SECONDS)
    months = max(1, min(MAX_MONTHS, int(months or MAX_MONTHS)))
    return timedelta(days=round(months * DAYS_PER_MONTH))


def record_consent(
    citizen,
    service,
    client,
    scopes,
    *,
    consented_by=None,
    one_time: bool = False,
    months: int | None = None,
    now=None,
) -> tuple[Grant, ConsentReceipt]:
    """Create or update the (citizen, service) grant with ``scopes`` and write a receipt.

    ``scopes`` must already be the intersection (requested ∩ ceiling ∩ ticked). One-time
    access drops ``offline_access``. ``consented_by`` is the guardian when one acts for the
    citizen. Sends ``grant_changed``.
    """
    now = now or utcnow()
    consented_by = consented_by or citizen
    granted = [s for s in parse_scopes(join(scopes)) if not (one_time and s == "offline_access")]
    expires_at = now + expiry_for(one_time=one_time, months=months, now=now)
    grant, change = _store_grant(
        citizen, service, client, granted, consented_by=consented_by, expires_at=expires_at, now=now
    )
    receipt = _write_receipt(
        grant, service, client, event="granted", by=consented_by, one_time=one_time, now=now
    )
    record_event(
        consented_by,
        "oauth.consent",
        "grant",
        grant.id,
        service=service.slug,
        citizen=citizen.id,
        scopes=grant.scopes,
    )
    signals.send(grant_changed, grant=grant, service_id=service.id, change=change)
    return grant, receipt


def _store_grant(citizen, service, client, granted, *, consented_by, expires_at, now):
    """The (citizen, service) grant, created or brought up to date; returns it with what
    changed: ``created``, ``restored`` (it had been revoked) or ``updated``."""
    purposes = sorted(
        {str(use.purpose.value) for s in granted if (use := data_use_of(service, s)) is not None}
    )
    grant = grant_of(citizen, service)
    if grant is None:
        change = "created"
        grant = Grant(citizen_id=citizen.id, service_id=service.id, created_at=now)
        db.session.add(grant)
    else:
        change = "restored" if grant.revoked_at is not None else "updated"
    grant.client_id = client.id
    grant.scopes = join(granted)
    grant.consented_by_id = consented_by.id
    grant.updated_at = now
    grant.expires_at = expires_at
    grant.revoked_at = None
    grant.revoked_reason = None
    grant.purpose = ", ".join(purposes) or None
    db.session.flush()
    return grant, change


def _write_receipt(grant, service, client, *, event, by, now, one_time=False):
    """A receipt of what changed (``granted``, ``renewed``, ``withdrawn``): the citizen's
    consent history, each entry with the permissions and dates in force."""
    document = receipt_document(grant, service, client, one_time=one_time, now=now)
    document["event"] = event
    receipt = ConsentReceipt(
        public_id=document["receipt_id"],
        grant_id=grant.id,
        citizen_id=grant.citizen_id,
        consented_by_id=by.id,
        service_id=service.id,
        client_id=client.id,
        scopes=grant.scopes,
        document=document,
        created_at=now,
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


def receipt_document(grant, service, client, *, one_time, now) -> dict:
    """The consent receipt as the citizen keeps it: who, which service (where hosted),
    each scope in French and English with its purpose and retention, until when."""
    granted = parse_scopes(grant.scopes)
    lines = []
    for value in granted:
        use = data_use_of(service, value)
        lines.append(
            {
                "scope": value,
                "label_fr": _french_label(value),
                "label_en": SCOPE_LABELS_EN[Scope(value)],
                "purpose": str(use.purpose.value) if use else None,
                "retention_days": use.retention_days if use else None,
            }
        )
    return {
        "receipt_id": str(uuid.uuid4()),
        "issued_at": now.isoformat(),
        "citizen_id": grant.citizen_id,
        "consented_by_id": grant.consented_by_id,
        "on_behalf": grant.consented_by_id != grant.citizen_id,
        "service": {
            "id": service.id,
            "slug": service.slug,
            "name": service.name,
            "referenced_at": service.referenced_at.isoformat() if service.referenced_at else None,
            "hosting_countries": SERVICES.get().hosting_countries(service),
        },
        "client_id": client.client_id,
        "scopes": lines,
        "duration": "one_time" if one_time else "until_expiry",
        "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
        "refresh_allowed": "offline_access" in granted,
    }


def _french_label(value: str) -> str:
    with force_locale("fr"):
        return Scope(value).label


def receipts_of(citizen) -> list[ConsentReceipt]:
    return receipts_for(citizen.id)


def receipts_for(citizen_id: int) -> list[ConsentReceipt]:
    """The citizen's consent history, newest first: every grant, renewal and withdrawal."""
    return list(
        db.session.scalars(
            select(ConsentReceipt)
            .where(ConsentReceipt.citizen_id == citizen_id)
            .order_by(ConsentReceipt.created_at.desc(), ConsentReceipt.id.desc())
        )
    )


def get_receipt(public_id: str) -> ConsentReceipt | None:
    return db.session.scalar(select(ConsentReceipt).where(ConsentReceipt.public_id == public_id))


def grants_of(citizen) -> list[Grant]:
    """Grants where ``citizen`` is the person concerned or the one who consented."""
    return list(
        db.session.scalars(
            select(Grant)
            .where(or_(Grant.citizen_id == citizen.id, Grant.consented_by_id == citizen.id))
            .order_by(Grant.updated_at.desc(), Grant.id.desc())
        )
    )


def withdraw_consent(user, grant: Grant, *, now=None) -> ConsentReceipt | None:
    """The citizen (or a guardian acting for them) stops sharing: the grant and every token
    issued under it end at once, and a receipt of the withdrawal joins the consent
    history. Withdrawing an ended grant changes nothing (None)."""
    if grant.revoked_at is not None:
        return None
    now = now or utcnow()
    by_citizen = user.id == grant.citizen_id
    reason = "withdrawn by the citizen" if by_citizen else "withdrawn by a guardian"
    revoke_grant(grant, reason=reason, now=now)
    revoke_family(grant.id, reason="grant revoked")
    record_event(user, "oauth.withdraw", "grant", grant.id, service=grant.service_id)
    return _write_receipt(
        grant, _service(grant), _client(grant), event="withdrawn", by=user, now=now
    )


def renew_consent(user, grant: Grant, *, now=None) -> ConsentReceipt:
    """Extend a live grant by its original duration (``authz.services.renew_grant``; a
    ValueError when it cannot be) and write the receipt of the renewal."""
    now = now or utcnow()
    renew_grant(grant, now=now)
    record_event(user, "oauth.renew", "grant", grant.id, service=grant.service_id)
    return _write_receipt(grant, _service(grant), _client(grant), event="renewed", by=user, now=now)


def _service(grant: Grant):
    return SERVICES.get().get(grant.service_id)


def _client(grant: Grant) -> Client:
    return db.session.get(Client, grant.client_id)
