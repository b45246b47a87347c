"""Password hashing (argon2id) and the password rules shown on sign-up forms."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    """The hasher and a dummy hash (verified when the email is unknown, so that both
    paths cost the same time). Tests select the cheapest profile to stay fast."""
    hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
    return hasher, hasher.hash("ens-store-timing-equaliser")


def _hasher() -> tuple[PasswordHasher, str]:
    return _hasher_for(current_app.config.get("ENS_ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"))


MIN_LENGTH = 12
PASSWORD_RULES = _l(
    "Au moins 12 caractères. Une phrase de passe facile à retenir convient très bien."
)


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Human-readable reasons why ``password`` is refused (empty list: accepted)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("Le mot de passe doit compter au moins 12 caractères.")))
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append(str(_l("Le mot de passe ne doit pas contenir votre adresse électronique.")))
    if len(set(password)) < 5:
        problems.append(str(_l("Le mot de passe est trop répétitif.")))
    return problems
