"""Bounded token tables: what the authorization server no longer needs is deleted.

Authorization codes live 60 seconds and access tokens 10 minutes, but their rows were
kept forever (used codes and refresh tokens are kept to detect a replay). Run daily
(``ens authz purge``, and by ``ens sovereignty sweep``), :func:`purge_authorizations`
deletes, once they are older than the retention window (``ENS_AUTHZ_RETENTION_DAYS``,
default 30 days):

* **dead tokens**: the access token expired before the window and the refresh token
  cannot be used any more (none, used, revoked or expired before the window, or its grant
  revoked or expired before the window and still ended). That takes away the rotated-out
  links of a live family and whole dead families;
* **codes**: expired before the window and no longer the origin of a kept token;
* **client assertion ``jti``s** past their expiry (an expired assertion is refused on its
  ``exp`` anyway).

A replay is detected while the row is kept: within the window a used code or refresh
token presented again still revokes what it yielded; after it, it is just unknown
(``invalid_grant``). Grants themselves are not deleted: there is one per citizen and
service (a new consent reuses it), bounded, and the citizen's consent receipts refer to it.
The access log is the one table that only grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, or_, select, update

from authz.models import AuthorizationCode, ClientAssertion, Grant, Token
from ens_core.db import db, utcnow

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Purged:
    tokens: int
    codes: int
    assertions: int

    def summary(self) -> str:
        return (
            f"{self.tokens} dead token(s), {self.codes} authorization code(s), "
            f"{self.assertions} client assertion(s) purged."
        )


def retention() -> timedelta:
    days = current_app.config.get("ENS_AUTHZ_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return timedelta(days=int(days))


def _dead_tokens(cutoff: datetime):
    ended_grants = select(Grant.id).where(or_(Grant.revoked_at < cutoff, Grant.expires_at < cutoff))
    return select(Token.id).where(
        Token.access_expires_at < cutoff,
        or_(
            Token.refresh_token_hash.is_(None),
            Token.refresh_used_at < cutoff,
            Token.revoked_at < cutoff,
            Token.refresh_expires_at < cutoff,
            Token.grant_id.in_(ended_grants),
        ),
    )


def purge_authorizations(*, now: datetime | None = None, keep: timedelta | None = None) -> Purged:
    """Delete dead tokens, old codes and expired assertion ``jti``s (see the module's doc);
    in the caller's transaction (a CLI command's :func:`~ens_core.boundary.one_transaction`)."""
    now = now or utcnow()
    cutoff = now - (keep if keep is not None else retention())
    session = db.session
    dead = _dead_tokens(cutoff).scalar_subquery()
    # A kept rotation may point at a purged parent: the link goes, the token stays.
    session.execute(
        update(Token)
        .where(Token.parent_id.in_(dead))
        .values(parent_id=None)
        .execution_options(synchronize_session=False)
    )
    tokens = session.execute(
        delete(Token)
        .where(Token.id.in_(_dead_tokens(cutoff).scalar_subquery()))
        .execution_options(synchronize_session=False)
    ).rowcount
    codes = session.execute(
        delete(AuthorizationCode)
        .where(
            AuthorizationCode.expires_at < cutoff,
            ~exists().where(Token.code_id == AuthorizationCode.id),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    assertions = session.execute(
        delete(ClientAssertion)
        .where(ClientAssertion.expires_at < now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    return Purged(tokens, codes, assertions)
