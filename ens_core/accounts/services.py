"""Account services. Services flush; the request or CLI command commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ens_core import throttle
from ens_core.accounts.models import LoginAttempt, Role, User, UserRole
from ens_core.accounts.passwords import hash_password, verify_password
from ens_core.accounts.schemas import normalise_email
from ens_core.accounts.sessions import end_all_sessions
from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow


class EmailTaken(ValueError):
    """An account already uses this email."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    # Set when the attempt was refused unchecked, or made the caller wait from now on.
    wait: throttle.Wait = throttle.NO_WAIT


@cache
def roles_on_use() -> tuple:
    """Roles load when something asks for them: the token endpoint and the FHIR API never
    do. (Built on first use: the option configures the mappers, which need every model.)"""
    return (lazyload(User.role_links),)


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id, options=roles_on_use())


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


def change_password(user: User, new_password: str, *, now: datetime | None = None) -> None:
    """A new password ends every session of the account (the session version changes too)."""
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    end_all_sessions(user, now=now)
    db.session.flush()


def login_keys(email: str, ip: str | None) -> list[throttle.Keyed]:
    """The throttle keys of a password tried for ``email`` from ``ip``."""
    return [
        (throttle.LOGIN_ADDRESS, ip or "unknown"),
        (throttle.LOGIN_ACCOUNT, normalise_email(email)),
    ]


def authenticate(
    email: str, password: str, *, ip: str | None = None, now: datetime | None = None
) -> LoginResult:
    """Check credentials, throttled per address and per account (``ens_core.throttle``).

    A throttled attempt is not checked at all, and unknown e-mails are counted exactly like
    known ones: neither the answer nor the wait tells whether an account exists. The owner
    of a throttled account gets in with an e-mailed sign-in link (``links``).
    """
    now = now or utcnow()
    email = normalise_email(email)
    keys = login_keys(email, ip)
    wait = throttle.wait(keys, now=now)
    if wait:
        return LoginResult(user=None, wait=wait)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    if ok:
        db.session.add(LoginAttempt(email=email, at=now, succeeded=True, ip=ip))
        throttle.forget(keys[1:])  # the account's count; the address keeps its own
        db.session.flush()
        return LoginResult(user=user)
    # The login answers 401 and the boundary rolls the request back; the failure is kept
    # all the same (the throttle counts it, the attempt stays on record).
    record_even_if_refused(lambda: _record_failure(email, ip, now))
    return LoginResult(user=None, wait=throttle.fail(keys, now=now))


def _record_failure(email: str, ip: str | None, now: datetime) -> None:
    db.session.add(LoginAttempt(email=email, at=now, succeeded=False, ip=ip))
    db.session.flush()
