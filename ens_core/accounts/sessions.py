"""Server-side sessions: what a signed-in browser is, until when, and how it ends.

The signed session cookie carries, besides Flask-Login's ``user id:session version``, a
random session id (``SESSION_KEY``); the database keeps only its SHA-256 in a
:class:`UserSession` row. Every request that loads the user checks that row: ended (log
out, "log out everywhere", a session ended from "Mon compte", a password change), idle
for longer than ``ENS_SESSION_IDLE_SECONDS`` (citizens; ``ENS_SESSION_IDLE_SECONDS_STAFF``
for accounts without the citizen role) or older than ``ENS_SESSION_MAX_SECONDS``: the
cookie opens nothing any more. Last activity is written at most once a minute, after the
request and never at the cost of an error (``ens_core.boundary.record_best_effort``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, session
from sqlalchemy import delete, or_, select, update

from ens_core import throttle
from ens_core.accounts.devices import device_label
from ens_core.accounts.models import AccountToken, Role, User, UserSession
from ens_core.boundary import record_best_effort
from ens_core.db import db, utcnow
from ens_core.security import hash_secret, new_secret

SESSION_KEY = "ens_sid"
TOUCH_EVERY = timedelta(seconds=60)
_CURRENT = "ens_current_session_id"


class SessionNotFound(LookupError):
    """No active session of this user with this id."""


@dataclass(frozen=True)
class ActiveSession:
    id: int
    device: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def idle_limit(user: User) -> timedelta:
    citizen = user.has_role(Role.CITIZEN)
    key = "ENS_SESSION_IDLE_SECONDS" if citizen else "ENS_SESSION_IDLE_SECONDS_STAFF"
    return timedelta(seconds=current_app.config[key])


def max_age() -> timedelta:
    return timedelta(seconds=current_app.config["ENS_SESSION_MAX_SECONDS"])


def _is_live(record: UserSession, user: User, now: datetime) -> bool:
    return (
        record.ended_at is None
        and now - record.last_seen_at <= idle_limit(user)
        and now - record.created_at <= max_age()
    )


def open_session(user: User, user_agent: str, *, now: datetime | None = None) -> str:
    """Record a new session of ``user``; returns its id in clear (for the cookie only)."""
    now = now or utcnow()
    token = new_secret()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_secret(token),
            user_agent=(user_agent or "")[:300],
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return token


def start_browser_session(user: User, user_agent: str) -> None:
    """Give the browser of this request a new session of ``user`` (at login)."""
    session[SESSION_KEY] = open_session(user, user_agent)


def session_of_request(user: User, *, now: datetime | None = None) -> UserSession | None:
    """The live session this request's cookie names for ``user``, or None (the cookie must
    then open nothing). Notes its last activity (at most once a minute); an expired
    session is ended for good."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    now = now or utcnow()
    record = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == hash_secret(token))
    )
    if record is None or record.user_id != user.id:
        return None
    if not _is_live(record, user, now):
        if record.ended_at is None:
            _later(record.id, ended_at=now)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        _later(record.id, last_seen_at=now)
    g.setdefault(_CURRENT, record.id)
    return record


def _later(session_id: int, **values) -> None:
    record_best_effort(
        lambda: db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
            .values(**values)
        )
    )


def current_session_id() -> int | None:
    return g.get(_CURRENT)


def active_sessions(user: User, *, now: datetime | None = None) -> list[ActiveSession]:
    """The live sessions of ``user``, most recently active first."""
    now = now or utcnow()
    current = current_session_id()
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [
        ActiveSession(
            id=r.id,
            device=device_label(r.user_agent),
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            current=r.id == current,
        )
        for r in records
        if _is_live(r, user, now)
    ]


def end_session(user: User, session_id: int, *, now: datetime | None = None) -> None:
    """End one of ``user``'s own sessions (refuses another's: :class:`SessionNotFound`)."""
    result = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=now or utcnow())
    )
    if not result.rowcount:
        raise SessionNotFound(session_id)


def end_current_session(*, now: datetime | None = None) -> None:
    """End the session of this request's cookie (at logout), whoever it belongs to."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_secret(token), UserSession.ended_at.is_(None))
            .values(ended_at=now or utcnow())
        )


def end_all_sessions(user: User, *, now: datetime | None = None) -> int:
    """End every session of ``user`` ("log out everywhere", a new password); how many."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )
    return result.rowcount or 0


def purge(*, days: int = 30, now: datetime | None = None) -> tuple[int, int]:
    """Delete sessions ended (or past their absolute lifetime) more than ``days`` ago, and
    e-mailed links used or expired as long ago; returns how many of each."""
    now = now or utcnow()
    before = now - timedelta(days=days)
    old_sessions = db.session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < before, UserSession.created_at < before - max_age())
        )
    )
    old_links = db.session.execute(
        delete(AccountToken).where(
            or_(AccountToken.used_at < before, AccountToken.expires_at < before)
        )
    )
    return old_sessions.rowcount or 0, old_links.rowcount or 0


def purge_stale_records(*, days: int = 30) -> str:
    """The daily housekeeping of sign-in (``ens users purge``, and ``ens sovereignty sweep``):
    stale throttle counters, old sessions and links; says how many of each went."""
    counters = throttle.purge()
    old_sessions, old_links = purge(days=days)
    return f"{counters} throttle counters, {old_sessions} sessions, {old_links} links"
