"""Hooks that watch the rest of the application without coupling to it:

* a new (or renewed after revocation) grant -> "new connection" notification;
* a login from a browser not seen before -> "unknown device" notification (device cookie
  holding a random value, only its SHA-256 stored, plus the User-Agent for display).
"""

from __future__ import annotations

from flask import Flask, after_this_request, current_app, request
from flask_babel import gettext as _
from flask_login import user_logged_in
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ens_core.db import db, utcnow
from ens_core.security import hash_secret, new_secret

DEVICE_COOKIE = "ens_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def _before_flush(session: Session, flush_context, instances) -> None:
    from authz.models import Grant
    from catalogue.models import Service
    from ens_core.accounts.models import User
    from ens_core.health.notifications import notify_new_connection

    for obj in list(session.new):
        if isinstance(obj, Grant) and obj.citizen_id and obj.service_id:
            citizen = session.get(User, obj.citizen_id)
            service = session.get(Service, obj.service_id)
            if citizen and service:
                notify_new_connection(citizen, service, flush=False)
    for obj in list(session.dirty):
        if isinstance(obj, Grant):
            history = inspect(obj).attrs.revoked_at.history
            if history.deleted and history.deleted[0] is not None and obj.revoked_at is None:
                citizen, service = (
                    session.get(User, obj.citizen_id),
                    session.get(Service, obj.service_id),
                )
                if citizen and service:
                    notify_new_connection(citizen, service, flush=False)


def _device_label(user_agent: str) -> str:
    ua = user_agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg", "Edge"),
                ("firefox", "Firefox"),
                ("chrome", "Chrome"),
                ("safari", "Safari"),
            )
            if key in ua
        ),
        _("navigateur inconnu"),
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iOS"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        _("système inconnu"),
    )
    return f"{browser} / {system}"


def check_device(user, token: str | None, user_agent: str, now=None) -> tuple[str, bool]:
    """Record the login device; returns (cookie value to set, whether it was unknown).

    A first ever login is not "unknown" (there is nothing to compare with)."""
    from ens_core.health.models import KnownDevice
    from ens_core.notifications.services import notify

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
            _("Connexion depuis un nouvel appareil (%(device)s)", device=_device_label(user_agent)),
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


_installed = False


def init_app(app: Flask) -> None:
    global _installed
    user_logged_in.connect(_on_login, app)
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        _installed = True
