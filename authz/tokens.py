"""Access tokens (RFC 9068 JWT, ES256, 10 minutes), refresh tokens and pairwise ids.

An access token carries ``iss``, ``sub`` and ``patient`` (both the pairwise pseudonym of
the citizen for this service), ``aud`` (the FHIR base URL), ``client_id``, ``scope``,
``grant_id``, ``jti``, ``iat`` and ``exp``; its header has ``typ: at+jwt`` and the ``kid``
of the signing key. Each issued token is recorded by ``jti`` so that the resource server
and introspection can refuse a revoked one at once. Refresh tokens are opaque random
values stored as SHA-256.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import bindparam, insert, select, update

from authz import keys
from authz.models import Grant, Token
from ens_core.accounts.models import User
from ens_core.boundary import begin_writing
from ens_core.db import db, utcnow
from ens_core.prepared import Prepared
from ens_core.scopes import join, parse_scopes
from ens_core.security import hash_secret, new_secret

ACCESS_TOKEN_LIFETIME = 600  # seconds (10 minutes)
ID_TOKEN_LIFETIME = 600


def issuer() -> str:
    return current_app.config["ENS_ISSUER"]


def fhir_base_url() -> str:
    """The audience of every access token: the FHIR API base URL."""
    return f"{issuer()}/fhir"


def _pairwise_key() -> bytes:
    configured = current_app.config.get("ENS_PAIRWISE_KEY")
    if configured:
        return configured.encode()
    return _derived_pairwise_key(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _derived_pairwise_key(secret: str) -> bytes:
    """Derived from the deployment's secret: stable as long as the deployment is (derived
    once per secret: every FHIR call needs it)."""
    return hmac.new(secret.encode(), b"ens-pairwise-subject-v1", hashlib.sha256).digest()


def pairwise_id(citizen_id: int, service_id: int) -> str:
    """The pseudonymous id of a citizen for one service: HMAC-SHA256 of both ids under a
    per-deployment key. Stable, and two services never see the same id for one citizen."""
    message = f"service:{service_id}|citizen:{citizen_id}".encode()
    return hmac.new(_pairwise_key(), message, hashlib.sha256).hexdigest()[:40]


@dataclass
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    token_id: int
    scope: str
    patient: str
    expires_in: int = ACCESS_TOKEN_LIFETIME

    @property
    def record(self) -> Token:
        """The token's row as an ORM object, loaded on first use: the token endpoint
        answers without it (one statement fewer for it to build and flush)."""
        return db.session.get(Token, self.token_id)

    def response(self) -> dict:
        """The token endpoint's JSON body (SMART: ``patient`` and the granted ``scope``)."""
        body = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
            "patient": self.patient,
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


def _sign_access_token(claims: dict) -> str:
    kid, private = keys.signing_key(keys.ACCESS_TOKEN_ALG)
    header = {"alg": keys.ACCESS_TOKEN_ALG, "typ": "at+jwt", "kid": kid}
    return jwt.encode(header, claims, private, algorithms=[keys.ACCESS_TOKEN_ALG])


_TOKENS = Token.__table__
_TOKEN_COLUMNS = (
    "grant_id",
    "client_id",
    "code_id",
    "parent_id",
    "jti",
    "scope",
    "issued_at",
    "access_expires_at",
    "refresh_token_hash",
    "refresh_expires_at",
)
# Prepared once: every refresh and code exchange inserts a token (no ORM unit of work).
_INSERT_TOKEN = Prepared(insert(_TOKENS).returning(_TOKENS.c.id), _TOKEN_COLUMNS)


def issue_tokens(
    grant,
    client,
    scopes,
    *,
    code=None,
    parent=None,
    include_refresh: bool = False,
    now=None,
) -> IssuedTokens:
    """Sign an access token (and a refresh token when asked) under ``grant``."""
    now = now or utcnow()
    scope = join(parse_scopes(scopes) if isinstance(scopes, str) else scopes)
    patient = pairwise_id(grant.citizen_id, grant.service_id)
    jti = new_secret(16)
    issued_at = int(now.timestamp())
    claims = {
        "iss": issuer(),
        "sub": patient,
        "aud": fhir_base_url(),
        "client_id": client.client_id,
        "scope": scope,
        "grant_id": grant.id,
        "patient": patient,
        "jti": jti,
        "iat": issued_at,
        "exp": issued_at + ACCESS_TOKEN_LIFETIME,
    }
    refresh = new_secret(32) if include_refresh else None
    if db.session.new:
        db.session.flush()  # rows the token may refer to, created in this unit of work
    begin_writing()  # on SQLite, a token endpoint's transaction becomes a writer's here
    (token_id,) = _INSERT_TOKEN.first(
        {
            "grant_id": grant.id,
            "client_id": client.id,
            "code_id": code.id if code is not None else (parent.code_id if parent else None),
            "parent_id": parent.id if parent else None,
            "jti": jti,
            "scope": scope,
            "issued_at": now,
            "access_expires_at": now + timedelta(seconds=ACCESS_TOKEN_LIFETIME),
            "refresh_token_hash": hash_secret(refresh) if refresh else None,
            "refresh_expires_at": grant.expires_at if refresh else None,
        }
    )
    return IssuedTokens(_sign_access_token(claims), refresh, token_id, scope, patient)


def issue_access_token(grant, client, scopes) -> str:
    """A valid access token for ``grant`` (used by tests of the FHIR API, for instance)."""
    return issue_tokens(grant, client, scopes).access_token


def find_by_jti(jti: str) -> Token | None:
    return db.session.scalar(select(Token).where(Token.jti == jti))


def find_by_refresh_token(value: str) -> Token | None:
    return db.session.scalar(select(Token).where(Token.refresh_token_hash == hash_secret(value)))


class Consent(NamedTuple):
    """The grant a code or refresh token was issued under, and the grant's citizen, as
    plain records read with the credential (:func:`read_with_consent`)."""

    grant: SimpleNamespace
    citizen: SimpleNamespace


_GRANTS, _USERS = Grant.__table__, User.__table__
_GRANT_COLUMNS = (
    _GRANTS.c.id,
    _GRANTS.c.citizen_id,
    _GRANTS.c.service_id,
    _GRANTS.c.scopes,
    _GRANTS.c.revoked_at,
    _GRANTS.c.expires_at,
)
_GRANT_KEYS = tuple(column.key for column in _GRANT_COLUMNS)
_CONSENT_COLUMNS = (*_GRANT_COLUMNS, _USERS.c.is_synthetic, _USERS.c.is_active_account)


def read_with_consent(table, columns, where) -> Prepared:
    """A prepared SELECT of a credential's ``columns`` (a code's, a token's) with its grant
    and the grant's citizen: one round trip where the ORM would make three. Inner joins:
    every credential has a grant, every grant a citizen."""
    joined = table.join(_GRANTS, _GRANTS.c.id == table.c.grant_id).join(
        _USERS, _USERS.c.id == _GRANTS.c.citizen_id
    )
    return Prepared(select(*columns, *_CONSENT_COLUMNS).select_from(joined).where(where))


def split_consent(row) -> tuple[tuple, Consent]:
    """A row of :func:`read_with_consent`: the credential's own columns, and its consent."""
    own, consent = row[: -len(_CONSENT_COLUMNS)], row[-len(_CONSENT_COLUMNS) :]
    grant = SimpleNamespace(**dict(zip(_GRANT_KEYS, consent[:-2], strict=True)))
    is_synthetic, is_active = consent[-2:]
    citizen = SimpleNamespace(id=grant.citizen_id, is_synthetic=is_synthetic, is_active=is_active)
    return own, Consent(grant, citizen)


_REFRESH_KEYS = (
    "id",
    "grant_id",
    "client_id",
    "code_id",
    "scope",
    "revoked_at",
    "refresh_expires_at",
)
# Prepared once: every refresh runs it.
_REFRESH_STATE = read_with_consent(
    _TOKENS,
    tuple(_TOKENS.c[key] for key in _REFRESH_KEYS),
    _TOKENS.c.refresh_token_hash == bindparam("hash"),
)


def find_refresh_state(value: str) -> tuple[SimpleNamespace, Consent] | None:
    """The token a refresh token names (its row's columns a refresh reads), with its grant
    and the grant's citizen, in one prepared statement; None for an unknown value."""
    row = _REFRESH_STATE.first({"hash": hash_secret(value)})
    if row is None:
        return None
    own, consent = split_consent(row)
    token = SimpleNamespace(**dict(zip(_REFRESH_KEYS, own, strict=True)))
    return token, consent


def revoke_token(token: Token, *, reason: str, now=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        token.revoked_reason = reason
        db.session.flush()


def revoke_family(grant_id: int, *, reason: str, now=None) -> int:
    """Revoke every token issued under one grant (refresh-token reuse)."""
    return _revoke_live_tokens(Token.grant_id == grant_id, reason, now)


def revoke_tokens_of_code(code_id: int, *, reason: str, now=None) -> int:
    """Revoke the tokens issued from one authorization code (and their rotations)."""
    return _revoke_live_tokens(Token.code_id == code_id, reason, now)


def _revoke_live_tokens(condition, reason: str, now) -> int:
    """Revoke, in one UPDATE, the tokens not yet revoked that match ``condition``."""
    result = db.session.execute(
        update(Token)
        .where(condition, Token.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
    )
    db.session.flush()
    return result.rowcount


def decode_unverified_jti(token_string: str) -> str | None:
    """The ``jti`` of a JWT we signed, after signature and expiry checks; None otherwise."""
    try:
        token = jwt.decode(
            token_string,
            keys.verification_keys(keys.ACCESS_TOKEN_ALG),
            algorithms=[keys.ACCESS_TOKEN_ALG],
        )
    except (JoseError, ValueError):
        return None
    if token.header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
        return None
    claims = token.claims
    if claims.get("iss") != issuer() or claims.get("exp", 0) <= time.time():
        return None
    return claims.get("jti")
