"""Account services. Services flush; the request or CLI command commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ens_core.accounts.models import LoginAttempt, LoginLock, Role, User, UserRole
from ens_core.accounts.passwords import hash_password, verify_password
from ens_core.accounts.schemas import normalise_email
from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow


class EmailTaken(ValueError):
    """An account already uses this email."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_until: datetime | None = None


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def users_by_ids(user_ids) -> dict[int, User]:
    """Many accounts at once (one query), by id."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def active_users_with_role(*roles: Role) -> list[User]:
    """Active accounts holding any of ``roles``, by name (e.g. the agents one may name)."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_(roles), User.is_active_account.is_(True))
            .distinct()
            .order_by(User.name, User.id)
        )
    )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role] | list[Role],
    birth_date: date | None = None,
    is_synthetic: bool = False,
) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        name=name.strip(),
        birth_date=birth_date,
        password_hash=hash_password(password),
        is_synthetic=is_synthetic,
    )
    user.role_links = [UserRole(role=role) for role in set(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def grant_role(user: User, role: Role) -> None:
    if role not in user.roles:
        user.role_links.append(UserRole(role=role))
        db.session.flush()


def register_citizen(data: dict) -> User:
    return create_user(
        email=data["email"],
        name=data["name"],
        password=data["password"],
        birth_date=data["birth_date"],
        roles={Role.CITIZEN},
    )


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    db.session.flush()


def _lock_for(email: str, now: datetime) -> LoginLock | None:
    lock = db.session.get(LoginLock, email)
    if lock is not None and lock.locked_until > now:
        return lock
    return None


def authenticate(
    email: str, password: str, *, ip: str | None = None, now: datetime | None = None
) -> LoginResult:
    """Check credentials, with a per-account lock after repeated failures.

    The same work is done for unknown and known emails, and a locked account is not
    told whether the password was right: both would let an attacker enumerate accounts.
    """
    now = now or utcnow()
    email = normalise_email(email)
    lock = _lock_for(email, now)
    if lock is not None:
        return LoginResult(user=None, locked_until=lock.locked_until)

    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    if ok:
        db.session.add(LoginAttempt(email=email, at=now, succeeded=True, ip=ip))
        db.session.flush()
        return LoginResult(user=user)
    # The login answers 401 and the boundary rolls the request back; the failure is kept
    # all the same, or the lockout would never count it.
    until = record_even_if_refused(lambda: _record_failure(email, ip, now))
    return LoginResult(user=None, locked_until=until)


def _record_failure(email: str, ip: str | None, now: datetime) -> datetime | None:
    """Record a failed attempt; lock the account (returns until when) at too many."""
    config = current_app.config
    db.session.add(LoginAttempt(email=email, at=now, succeeded=False, ip=ip))
    window_start = now - timedelta(seconds=config["ENS_LOGIN_WINDOW_SECONDS"])
    failures = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > window_start,
        )
    )
    # The attempt just added is autoflushed into the count.
    if failures < config["ENS_LOGIN_MAX_FAILURES"]:
        db.session.flush()
        return None
    until = now + timedelta(seconds=config["ENS_LOGIN_LOCK_SECONDS"])
    existing = db.session.get(LoginLock, email)
    if existing is None:
        db.session.add(LoginLock(email=email, locked_until=until))
    else:
        existing.locked_until = until
    db.session.flush()
    return until
