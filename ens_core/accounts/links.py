"""Single-use links sent by e-mail: password reset (valid 1 hour) and sign-in link
(valid 15 minutes, the owner's way in while her account is throttled).

Only the SHA-256 of a link's secret is stored. Asking for a link always gets the same
answer, whether an account exists or not, and is throttled per address and per e-mail
address (``ens_core.throttle.MAIL_*``). Links are built on ``ENS_ISSUER``, never on the
request's ``Host`` header (which an attacker chooses). Using a link ends the account's
throttle; a new password also ends every session and every other reset link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from ens_core import throttle
from ens_core.accounts.models import AccountToken, TokenPurpose, User
from ens_core.accounts.schemas import normalise_email
from ens_core.accounts.services import change_password
from ens_core.db import db, utcnow
from ens_core.notifications.services import queue_email
from ens_core.security import hash_secret, new_secret

VALIDITY = {
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.SIGN_IN: timedelta(minutes=15),
}
ENDPOINT = {
    TokenPurpose.PASSWORD_RESET: "accounts.reset_password",
    TokenPurpose.SIGN_IN: "accounts.sign_in_link",
}


class LinkInvalid(ValueError):
    """Unknown, expired or already used."""


def _mail(purpose: TokenPurpose, user: User, link: str) -> tuple[str, str]:
    if purpose is TokenPurpose.PASSWORD_RESET:
        return _("Choisir un nouveau mot de passe"), _(
            "Bonjour %(name)s,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
            "dans l'heure :\n%(link)s\n\nIl ne sert qu'une fois. Si vous n'avez rien "
            "demandé, ignorez ce message : votre mot de passe ne change pas.",
            name=user.name,
            link=link,
        )
    return _("Votre lien de connexion"), _(
        "Bonjour %(name)s,\n\nPour vous connecter sans attendre, ouvrez ce lien dans les "
        "15 minutes :\n%(link)s\n\nIl ne sert qu'une fois. Si vous n'avez rien demandé, "
        "quelqu'un a peut-être essayé votre adresse : changez votre mot de passe.",
        name=user.name,
        link=link,
    )


def request_link(
    purpose: TokenPurpose, email: str, *, ip: str | None, now: datetime | None = None
) -> throttle.Wait:
    """Send a ``purpose`` link to ``email`` if an active account has it. Answers only how
    long to wait when throttled (falsy otherwise), never whether the account exists."""
    now = now or utcnow()
    email = normalise_email(email)
    keys = [(throttle.MAIL_ADDRESS, ip or "unknown"), (throttle.MAIL_ACCOUNT, email)]
    wait = throttle.wait(keys, now=now)
    if wait:
        return wait
    throttle.fail(keys, now=now)  # every e-mail sent counts
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.is_active:
        secret = new_secret()
        db.session.add(
            AccountToken(
                user_id=user.id,
                purpose=purpose,
                token_hash=hash_secret(secret),
                created_at=now,
                expires_at=now + VALIDITY[purpose],
            )
        )
        db.session.flush()
        link = current_app.config["ENS_ISSUER"] + url_for(ENDPOINT[purpose], token=secret)
        subject, body = _mail(purpose, user, link)
        queue_email(user.email, subject, body)  # sent once the request has committed
    return throttle.NO_WAIT


def valid_link(
    purpose: TokenPurpose, secret: str, *, ip: str | None, now: datetime | None = None
) -> AccountToken:
    """The unused, unexpired link ``secret`` names; raises :class:`LinkInvalid` (and
    counts a failure for the address) otherwise."""
    now = now or utcnow()
    record = None
    if isinstance(secret, str) and 20 <= len(secret) <= 100:
        record = db.session.scalar(
            select(AccountToken).where(
                AccountToken.token_hash == hash_secret(secret), AccountToken.purpose == purpose
            )
        )
    if record is None or record.used_at is not None or record.expires_at <= now:
        throttle.fail([(throttle.LINK_ADDRESS, ip or "unknown")], now=now)
        raise LinkInvalid(secret)
    return record


def link_wait(ip: str | None, *, now: datetime | None = None) -> throttle.Wait:
    return throttle.wait([(throttle.LINK_ADDRESS, ip or "unknown")], now=now)


def _use(record: AccountToken, now: datetime) -> User:
    user = db.session.get(User, record.user_id)
    if not user.is_active:  # closed since the link was sent
        raise LinkInvalid(record.id)
    # Used once even when two requests present it at the same instant: the row's update
    # is the claim (the second waits for the first's row lock, then finds it used).
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == record.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise LinkInvalid(record.id)
    throttle.forget([(throttle.LOGIN_ACCOUNT, user.email)])
    db.session.flush()
    return user


def sign_in_with_link(secret: str, *, ip: str | None, now: datetime | None = None) -> User:
    """The owner of a valid sign-in link, the link used up and her throttle forgotten."""
    now = now or utcnow()
    return _use(valid_link(TokenPurpose.SIGN_IN, secret, ip=ip, now=now), now)


def reset_password(
    secret: str, new_password: str, *, ip: str | None, now: datetime | None = None
) -> User:
    """Set a new password through a valid reset link: the link and every other reset link
    of the account are used up, every session ends, the throttle is forgotten."""
    now = now or utcnow()
    user = _use(valid_link(TokenPurpose.PASSWORD_RESET, secret, ip=ip, now=now), now)
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    change_password(user, new_password, now=now)
    return user
