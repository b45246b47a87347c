"""Reactions of the health space to what happens elsewhere, each connected explicitly in
``init_app``:

* a new (or restored after revocation) grant (signal ``grant_changed``) -> "new
  connection" notification (:func:`ens_core.health.notifications.on_grant_changed`);
* a login from a browser not seen before (Flask-Login's ``user_logged_in``) -> "unknown
  device" notification (device cookie holding a random value, only its SHA-256 stored,
  plus the User-Agent for display).
"""

from __future__ import annotations

from flask import Flask, after_this_request, current_app, request
from flask_babel import gettext as _
from flask_login import user_logged_in
from sqlalchemy import select

from ens_core.accounts.devices import device_label
from ens_core.db import db, utcnow
from ens_core.health.models import KnownDevice
from ens_core.health.notifications import on_grant_changed
from ens_core.notifications.services import notify
from ens_core.security import hash_secret, new_secret
from ens_core.signals import grant_changed

DEVICE_COOKIE = "ens_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def check_device(user, token: str | None, user_agent: str, now=None) -> tuple[str, bool]:
    """Record the login device; returns (cookie value to set, whether it was unknown).

    A first ever login is not "unknown" (there is nothing to compare with)."""
    now = now or utcnow()
    device = None
    if token:
        device = db.session.scalar(
            select(KnownDevice).where(
                KnownDevice.user_id == user.id, KnownDevice.token_hash == hash_secret(token)
            )
        )
    if device is not None:
        device.last_seen_at = now
        device.user_agent = user_agent[:300]
        db.session.flush()
        return token, False
    had_devices = db.session.scalar(
        select(KnownDevice.id).where(KnownDevice.user_id == user.id).limit(1)
    )
    token = new_secret()
    db.session.add(
        KnownDevice(
            user_id=user.id,
            token_hash=hash_secret(token),
            user_agent=user_agent[:300],
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    if had_devices:
        notify(
            user,
            "unknown_device",
            _("Connexion depuis un nouvel appareil (%(device)s)", device=device_label(user_agent)),
            _(
                "Une connexion à votre compte a eu lieu le %(date)s depuis un appareil inconnu. "
                "Si ce n'était pas vous, changez votre mot de passe.",
                date=now.strftime("%d/%m/%Y %H:%M UTC"),
            ),
        )
    return token, bool(had_devices)


def _on_login(sender, user, **extra) -> None:
    try:
        # A savepoint: a failed check leaves the login itself (committed by the request's
        # boundary) untouched.
        with db.session.begin_nested():
            token, _unknown = check_device(
                user, request.cookies.get(DEVICE_COOKIE), request.headers.get("User-Agent", "")
            )
    except Exception:
        current_app.logger.exception("device check failed")
        return

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        return response


def init_app(app: Flask) -> None:
    user_logged_in.connect(_on_login, app)
    grant_changed.connect(on_grant_changed, app)
