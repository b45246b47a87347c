"""Notifications about the citizen's connected services (new connection, expiring grant,
service suspended or delisted)."""

from __future__ import annotations

from datetime import timedelta

from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ens_core.db import db, utcnow
from ens_core.notifications.services import notify


def _link(endpoint: str, **kwargs) -> str | None:
    if has_request_context():
        return url_for(endpoint, **kwargs)
    return None


def notify_new_connection(citizen, service, *, flush: bool = True) -> None:
    notify(
        citizen,
        "new_connection",
        _("%(service)s est maintenant connecté à votre espace santé", service=service.name),
        _(
            "Si vous n'êtes pas à l'origine de cette connexion, révoquez-la depuis "
            "« Services connectés » et signalez un abus."
        ),
        _link("health.services"),
        flush=flush,
    )


def notify_expiring_grants(citizen=None, now=None) -> int:
    """One notification per grant expiring within 30 days (deduplicated per expiry date)."""
    from authz.models import Grant
    from catalogue.models import Service
    from ens_core.accounts.models import User

    now = now or utcnow()
    query = select(Grant).where(
        Grant.revoked_at.is_(None),
        Grant.expires_at.is_not(None),
        Grant.expires_at > now,
        Grant.expires_at <= now + timedelta(days=30),
    )
    if citizen is not None:
        query = query.where(Grant.citizen_id == citizen.id)
    sent = 0
    for grant in db.session.scalars(query).all():
        user = citizen or db.session.get(User, grant.citizen_id)
        service = db.session.get(Service, grant.service_id)
        done = notify(
            user,
            "grant_expiring",
            _(
                "L'accès de %(service)s expire le %(date)s",
                service=service.name,
                date=grant.expires_at.strftime("%d/%m/%Y"),
            ),
            _("Renouvelez-le depuis « Services connectés » si vous souhaitez continuer."),
            _link("health.services"),
            dedupe_key=f"expiring:{grant.id}:{grant.expires_at.date().isoformat()}",
        )
        sent += done is not None
    return sent
