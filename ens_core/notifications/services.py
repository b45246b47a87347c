"""Notifications: in the notifications centre and, when the user asks for it, by e-mail.

E-mail goes through the SMTP server of ``ENS_SMTP_URL`` (``smtp://user:pass@host:port``,
``smtps://`` for implicit TLS, ``?starttls=1``); without it, messages are printed to the
log (development). Mails are sent only once the transaction that created the
notification has committed, so a rolled-back action never e-mails anyone.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, exists, func, insert, literal, not_, select, update
from sqlalchemy.orm import Session

from ens_core.db import db, utcnow
from ens_core.notifications.models import Notification, NotificationPreference

log = logging.getLogger("ens.notifications")


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    in_app: bool = True
    email: bool = False


# The kinds a citizen can choose from (other packages may notify with any kind string:
# those follow the defaults, in the centre only).
KINDS = {
    k.key: k
    for k in [
        Kind("new_connection", _l("Un nouveau service est connecté à mon espace"), True, True),
        Kind("first_write", _l("Un service écrit pour la première fois dans mon espace")),
        Kind("grant_expiring", _l("Un accès expire dans 30 jours"), True, True),
        Kind(
            "service_suspended",
            _l("Un service connecté est suspendu ou déréférencé"),
            True,
            True,
        ),
        Kind("unknown_device", _l("Connexion depuis un appareil inconnu"), True, True),
    ]
}


def preference(user, kind: str) -> tuple[bool, bool]:
    """(in the centre, by e-mail) for ``user`` and ``kind``."""
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is not None:
        return row.in_app, row.email
    default = KINDS.get(kind)
    return (default.in_app, default.email) if default else (True, False)


def preferences_of(user) -> list[dict]:
    return [
        {"kind": key, "label": kind.label, "in_app": pair[0], "email": pair[1]}
        for key, kind in KINDS.items()
        for pair in [preference(user, key)]
    ]


def set_preference(user, kind: str, *, in_app: bool, email: bool) -> NotificationPreference:
    if kind not in KINDS:
        raise ValueError(kind)
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind)
        db.session.add(row)
    row.in_app, row.email = in_app, email
    db.session.flush()
    return row


def notify(
    user,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    *,
    dedupe_key: str | None = None,
    flush: bool = True,
) -> Notification | None:
    """Notify ``user`` as they chose for ``kind`` (delivered when the caller's transaction
    commits). Returns the notification, or None when the user turned this kind off or
    ``dedupe_key`` was already used."""
    if dedupe_key is not None and db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key
        )
    ):
        return None
    in_app, by_email = preference(user, kind)
    if by_email:
        queue_email(user.email, str(title), f"{body}\n\n{link or ''}".strip())
    if not in_app and not dedupe_key:
        return None
    notification = Notification(
        user_id=user.id,
        kind=kind,
        title=str(title),
        body=str(body),
        link=link,
        dedupe_key=dedupe_key,
        # A deduplicated kind the user turned off is kept as read, to remember it was sent.
        read_at=None if in_app else utcnow(),
    )
    db.session.add(notification)
    if flush:  # not while the session is flushing (session event hooks)
        db.session.flush()
    return notification if in_app else None


def unread_count(user) -> int:

    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user) -> None:

    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()


# --- e-mail ---------------------------------------------------------------------------

_PENDING = "ens_pending_emails"


def queue_email(to: str, subject: str, body: str) -> None:
    db.session().info.setdefault(_PENDING, []).append((to, subject, body))


def send_email(to: str, subject: str, body: str) -> None:
    url = current_app.config.get("ENS_SMTP_URL") if has_app_context() else None
    if not url:
        log.info("E-mail (no ENS_SMTP_URL set) to=%s subject=%s\n%s", to, subject, body)
        return
    parts = urlsplit(url)
    message = EmailMessage()
    message["From"] = current_app.config.get("ENS_MAIL_FROM", "ENS Store <no-reply@ens.local>")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    options = parse_qs(parts.query)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    try:
        with smtp_class(parts.hostname, port, timeout=10) as smtp:
            if options.get("starttls", ["0"])[0] in ("1", "true"):
                smtp.starttls()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # A mail server outage must not undo the action that was notified.
        log.exception("E-mail to %s could not be sent", to)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    pending = session.info.pop(_PENDING, None)
    for to, subject, body in pending or []:
        send_email(to, subject, body)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    # A rollback of a savepoint must not drop mails of the outer transaction.
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def notify_many(
    user_ids, kind: str, title: str, body: str = "", link: str | None = None, *, now=None
) -> None:
    """Notify every user whose id ``user_ids`` (a SELECT of one column) yields, in one
    INSERT ... SELECT, skipping those who turned this kind off in the centre.

    For events reaching a whole population (a service with 100,000 connected citizens is
    suspended); e-mail is not sent from here.
    """

    now = now or utcnow()
    default = KINDS.get(kind)
    ids = user_ids.subquery()
    user_id = ids.c[0]
    switched_off = exists().where(
        and_(
            NotificationPreference.user_id == user_id,
            NotificationPreference.kind == kind,
            NotificationPreference.in_app.is_(False),
        )
    )
    rows = select(
        user_id,
        literal(kind),
        literal(title),
        literal(body),
        literal(link, Notification.link.type),
        literal(now, Notification.created_at.type),
    ).distinct()
    if default is None or default.in_app:
        rows = rows.where(not_(switched_off))
    else:  # off by default: only those who turned it on
        rows = rows.where(
            exists().where(
                and_(
                    NotificationPreference.user_id == user_id,
                    NotificationPreference.kind == kind,
                    NotificationPreference.in_app.is_(True),
                )
            )
        )
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "title", "body", "link", "created_at"], rows
        )
    )
    db.session.flush()
