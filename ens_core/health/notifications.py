"""Notifications about the citizen's connected services (new connection, expiring grant,
service suspended or delisted)."""

from __future__ import annotations

from datetime import timedelta

from flask import has_request_context, url_for
from flask_babel import gettext as _

from ens_core.accounts.services import get_user, users_by_ids
from ens_core.db import utcnow
from ens_core.health.connections import CONSENTS
from ens_core.notifications.services import notify
from ens_core.service_directory import SERVICES


def _link(endpoint: str, **kwargs) -> str | None:
    if has_request_context():
        return url_for(endpoint, **kwargs)
    return None


def on_grant_changed(sender, *, grant, service_id, change, **extra) -> None:
    """``grant_changed`` receiver: a new connection (or one restored after a revocation)
    is announced to the citizen, who can revoke it at once if it was not them."""
    if change not in ("created", "restored"):
        return
    citizen, service = get_user(grant.citizen_id), SERVICES.get().get(service_id)
    if citizen is not None and service is not None:
        notify_new_connection(citizen, service)


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
    now = now or utcnow()
    grants = CONSENTS.get().expiring(
        now=now, within=timedelta(days=30), citizen_id=citizen.id if citizen else None
    )
    users = {citizen.id: citizen} if citizen else users_by_ids({g.citizen_id for g in grants})
    services = SERVICES.get().by_ids({g.service_id for g in grants})
    sent = 0
    for grant in grants:
        done = notify(
            users[grant.citizen_id],
            "grant_expiring",
            _(
                "L'accès de %(service)s expire le %(date)s",
                service=services[grant.service_id].name,
                date=grant.expires_at.strftime("%d/%m/%Y"),
            ),
            _("Renouvelez-le depuis « Services connectés » si vous souhaitez continuer."),
            _link("health.services"),
            dedupe_key=f"expiring:{grant.id}:{grant.expires_at.date().isoformat()}",
        )
        sent += done is not None
    return sent
