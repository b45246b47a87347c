"""The resource protector of the FHIR API: the authorization side of a FHIR call.

:func:`authenticate_request` validates the bearer JWT (signature with a key of our JWKS,
``typ: at+jwt``, issuer, audience = FHIR base URL, expiry), then checks live state on
every request: the token is not revoked, its grant is active, the client is enabled and
the service operational. It returns the FHIR API's
:class:`~ens_core.fhir.access.AccessContext`. :class:`FhirAuthorization` is what authz
provides to the FHIR API (``ens_core.fhir.access.AUTHORIZATION``): the API's
``require_scope`` decorator calls it and answers refusals as OperationOutcomes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import threading
import time
from types import SimpleNamespace
from typing import NamedTuple

import orjson
from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6750.errors import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from flask import current_app, request
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload

from authz import keys
from authz.models import Client, ClientKind, Grant, Token
from authz.policies import client_is_live, client_may_act_on
from authz.services import get_client
from authz.tokens import fhir_base_url, issuer, pairwise_id
from ens_core.accounts.models import User
from ens_core.accounts.services import get_user
from ens_core.db import db, utcnow
from ens_core.fhir.access import AccessContext, AccessDenied, Along, RefusedCaller
from ens_core.prepared import Prepared
from ens_core.scopes import parse_scopes
from ens_core.service_directory import SERVICES


class AccessTokenValidator(JWTBearerTokenValidator):
    """RFC 9068 validation, ES256 only, ``typ`` required; issuer/audience read per request
    so that the app configuration (``ENS_ISSUER``) is the single source."""

    def __init__(self):
        super().__init__(issuer=None, resource_server=None)

    def get_jwks(self, kid: str | None = None):
        return keys.cached_verification_keys(keys.ACCESS_TOKEN_ALG, kid)

    def authenticate_token(self, token_string):
        """The token's verified claims, from this process's cache when the same token was
        verified before (a JWT cannot change: its signature and claims were checked
        then; expiry is checked again on every request by :meth:`validate_token`). Only
        claims that passed every check are cached: the express lane trusts the cache."""
        cache = _claims_cache()
        digest = hashlib.sha256(token_string.encode()).digest()
        cached = cache.get(digest)
        if cached is not None:
            return cached
        claims = self._verify(token_string)
        self.validate_token(claims, None, None)
        cache.put(digest, claims)
        return claims

    def _verify(self, token_string):
        options = {
            "iss": {"essential": True, "value": issuer()},
            "exp": {"essential": True},
            "aud": {"essential": True, "value": fhir_base_url()},
            "sub": {"essential": True},
            "client_id": {"essential": True},
            "iat": {"essential": True},
            "jti": {"essential": True},
            "grant_id": {"essential": True},
            "scope": {"essential": True},
        }
        try:
            key_set = self.get_jwks(_kid(token_string))
            token = jwt.decode(token_string, key_set, algorithms=[keys.ACCESS_TOKEN_ALG])
        except (JoseError, ValueError) as exc:
            raise InvalidTokenError(description="The access token is invalid.") from exc
        if token.header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
            raise InvalidTokenError(description="Not an access token.")
        return JWTAccessTokenClaims(token.claims, token.header, options)

    def validate_token(self, token, scopes, request, **kwargs):
        try:
            token.validate()
        except JoseError as exc:
            raise InvalidTokenError(
                description="The access token has expired or is invalid."
            ) from exc


def _kid(token_string: str) -> str | None:
    """The ``kid`` of a compact JWS's header, unverified (to pick the key set)."""
    try:
        segment = token_string.split(".", 1)[0]
        header = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        kid = header.get("kid")
    except (ValueError, AttributeError):
        return None
    return kid if isinstance(kid, str) else None


class _ClaimsCache:
    """Verified access-token claims by SHA-256 of the token, until the token expires;
    bounded (expired entries go first, then everything)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: dict[bytes, tuple[float, JWTAccessTokenClaims]] = {}
        self.lock = threading.Lock()  # gthread workers: one writer at a time

    def get(self, digest: bytes) -> JWTAccessTokenClaims | None:
        entry = self.entries.get(digest)
        if entry is None or entry[0] <= time.time():
            return None
        return entry[1]

    def put(self, digest: bytes, claims: JWTAccessTokenClaims) -> None:
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or self.size <= 0:
            return
        with self.lock:
            if len(self.entries) >= self.size:
                now = time.time()
                kept = {k: v for k, v in list(self.entries.items()) if v[0] > now}
                self.entries = kept if len(kept) < self.size else {}
            self.entries[digest] = (float(expires), claims)


def _claims_cache() -> _ClaimsCache:
    cache = current_app.extensions.get("ens_claims_cache")
    if cache is None:
        size = int(current_app.config.get("ENS_TOKEN_CACHE_SIZE", 10_000))
        cache = current_app.extensions.setdefault("ens_claims_cache", _ClaimsCache(size))
    return cache


_VALIDATOR = AccessTokenValidator()
protector = ResourceProtector()
protector.register_token_validator(_VALIDATOR)


# One round trip on this hot path, built once: the token, its grant, its client and the
# citizen (the citizen's roles are loaded only if something asks for them).
_LIVE_STATE = (
    select(Token, Grant, Client, User)
    .outerjoin(Grant, Grant.id == Token.grant_id)
    .outerjoin(Client, Client.id == Token.client_id)
    .outerjoin(User, User.id == Grant.citizen_id)
    .where(Token.jti == bindparam("jti"))
    .options(lazyload(User.role_links))
)


def authenticate_request() -> AccessContext:
    """Validate the bearer token of the current request and load its live context.

    Raises :class:`OAuth2Error` (``missing_authorization``, or :class:`InvalidTokenError`)
    when anything is wrong with the token or the state behind it."""
    claims = protector.validate_request(scopes=None, request=FlaskJsonRequest(request))
    row = db.session.execute(_LIVE_STATE, {"jti": str(claims["jti"])}).first()
    record, grant, client, citizen = row if row is not None else (None, None, None, None)
    service = SERVICES.get().get(grant.service_id) if grant is not None else None
    live = LiveState(record, grant, client, citizen, service)
    patient = _check_live_state(claims, live)
    guardian = None
    if grant.consented_by_id != grant.citizen_id:
        guardian = get_user(grant.consented_by_id)
    return _context(live, patient, guardian)


class LiveState(NamedTuple):
    """What stands behind a token now (ORM objects, or the express lane's rows)."""

    token: object | None
    grant: object | None
    client: object | None
    citizen: object | None
    service: object | None


def _check_live_state(claims, live: LiveState) -> str:
    """Every live check of a FHIR call, on either path (the same function: the express
    lane cannot drift from the full one); the citizen's pairwise id for the service.
    Raises :class:`InvalidTokenError`."""
    token, grant, client, citizen, service = live
    if token is None or token.revoked_at is not None:
        raise InvalidTokenError(description="The access token has been revoked.")
    if grant is None or grant.id != claims["grant_id"] or not Grant.is_active(grant, utcnow()):
        raise InvalidTokenError(description="The consent behind this token has ended.")
    if client is None or client.client_id != claims["client_id"]:
        raise InvalidTokenError(description="The access token is invalid.")
    if not client_is_live(client, service) or client.service_id != service.id:
        raise InvalidTokenError(description="This service may not access data at the moment.")
    patient = pairwise_id(grant.citizen_id, grant.service_id)
    if citizen is None or not citizen.is_active or claims.get("patient") != patient:
        raise InvalidTokenError(description="The access token is invalid.")
    if not client_may_act_on(client, citizen):
        raise InvalidTokenError(description="This client may not act on this account.")
    return patient


def _context(live: LiveState, patient: str, guardian) -> AccessContext:
    granted = set(parse_scopes(live.grant.scopes))
    return AccessContext(
        citizen=live.citizen,
        service=live.service,
        client=live.client,
        grant=live.grant,
        # A re-consent that narrowed the grant narrows live tokens at once too.
        scopes=[s for s in parse_scopes(live.token.scope) if s in granted],
        patient_id=patient,
        acting_for=guardian,
    )


# --- the express lane (ens_core.fhir.express) ----------------------------------------------

_T, _G, _C, _U = (model.__table__ for model in (Token, Grant, Client, User))
_STATE_COLUMNS = (
    _T.c.revoked_at,
    _T.c.scope,
    _G.c.id,
    _G.c.revoked_at,
    _G.c.expires_at,
    _G.c.scopes,
    _G.c.citizen_id,
    _G.c.consented_by_id,
    _G.c.service_id,
    _C.c.id,
    _C.c.client_id,
    _C.c.kind,
    _C.c.is_enabled,
    _C.c.service_id,
    _U.c.is_active_account,
    _U.c.is_synthetic,
)
_CARD_AT = len(_STATE_COLUMNS)


@functools.cache
def _express_state(cards: Select, along: Along | None = None) -> tuple[Prepared, int]:
    """The same live state as _LIVE_STATE, as plain columns in one prepared statement, with
    the grant's service card (the service directory's ``cards``: authz does not read the
    catalogue's tables, it joins the SELECT the catalogue gives), and what the caller reads
    ``along`` with it for the grant's citizen (an inner join: no such row, no row at all).
    Inner joins, which SQLite flattens (an outer one it would materialise, every service):
    a token whose service is gone finds no row, and the full path refuses it. Returns the
    statement and where the caller's columns begin."""
    card = cards.subquery("service_card")
    joined = (
        _T.join(_G, _G.c.id == _T.c.grant_id)
        .join(_C, _C.c.id == _T.c.client_id)
        .join(_U, _U.c.id == _G.c.citizen_id)
        .join(card, card.c[0] == _G.c.service_id)
    )
    columns = [*_STATE_COLUMNS, *card.c]
    along_at = len(columns)
    if along is not None:
        target, onclause, extra = along(_G.c.citizen_id)
        if target is not None:
            joined = joined.join(target, onclause)
        columns += extra
    statement = select(*columns).select_from(joined).where(_T.c.jti == bindparam("jti"))
    return Prepared(statement), along_at


def _express_live_state(
    jti: str, along: Along | None, params: dict
) -> tuple[LiveState, tuple] | None:
    directory = SERVICES.get()
    statement, along_at = _express_state(directory.cards(), along)
    row = statement.first({**params, "jti": jti})
    if row is None:
        return None
    grant = SimpleNamespace(
        id=row[2],
        revoked_at=row[3],
        expires_at=row[4],
        scopes=row[5],
        citizen_id=row[6],
        consented_by_id=row[7],
        service_id=row[8],
    )
    client = SimpleNamespace(
        id=row[9], client_id=row[10], kind=row[11], is_enabled=row[12], service_id=row[13]
    )
    citizen = SimpleNamespace(id=grant.citizen_id, is_active=row[14], is_synthetic=row[15])
    token = SimpleNamespace(revoked_at=row[0], scope=row[1])
    service = directory.card_from_row(row[_CARD_AT:along_at])
    return LiveState(token, grant, client, citizen, service), row[along_at:]


def express_context(
    bearer: str, along: Along | None = None, params: dict | None = None
) -> tuple[AccessContext, tuple] | None:
    """The context of an ordinary call, with the columns read ``along`` (``params``: their
    bind parameters; ``()`` without), or None: the full path then serves it (and answers
    whatever refusal applies). Ordinary: a valid token, not expired, a citizen acting
    for themself, a production client (a sandbox client's calls feed its conformance
    run), and every live check of :func:`_check_live_state` passed — on a row read in one
    prepared statement."""
    try:
        # Cached claims were validated when cached, and are kept only until they expire:
        # the cache's own expiry check is the one that can change (``iat``, ``nbf``
        # cannot). A token this process has not seen is verified and validated now.
        claims = _VALIDATOR.authenticate_token(bearer)
    except InvalidTokenError:
        return None
    found = _express_live_state(str(claims["jti"]), along, params or {})
    if found is None:
        return None
    live, alongside = found
    if live.grant.consented_by_id != live.grant.citizen_id:
        return None
    if live.client.kind is not ClientKind.PRODUCTION:
        return None
    try:
        patient = _check_live_state(claims, live)
    except InvalidTokenError:
        return None
    return _context(live, patient, None), alongside


class FhirAuthorization:
    """authz's answer to what the FHIR API needs (``ens_core.fhir.access.Authorization``)."""

    def express(
        self, bearer: str, along: Along | None = None, params: dict | None = None
    ) -> tuple[AccessContext, tuple] | None:
        return express_context(bearer, along, params)

    def authenticate(self) -> AccessContext:
        try:
            return authenticate_request()
        except OAuth2Error as error:
            if error.error == "missing_authorization":
                raise AccessDenied(
                    "A bearer access token is required.", missing_token=True
                ) from None
            raise AccessDenied(error.description or "The access token is invalid.") from None

    def refused_caller(self) -> RefusedCaller | None:
        """A refused call is still an attempt on a citizen's data when its token has a
        valid signature (a forged token says nothing): whom it speaks for."""
        try:
            claims = protector.validate_request(scopes=None, request=FlaskJsonRequest(request))
        except (OAuth2Error, JoseError, ValueError):
            return None
        grant = db.session.get(Grant, claims["grant_id"])
        if grant is None:
            return None
        client = get_client(str(claims["client_id"]))
        if client is None or (
            client.id != grant.client_id and client.service_id != grant.service_id
        ):
            return None
        return RefusedCaller(grant.citizen_id, SERVICES.get().get(grant.service_id), client)

    def client_ids(self, client_pks) -> dict[int, str]:
        pks = set(client_pks)
        if len(pks) == 1:  # one record's source: usually the caller's client, already loaded
            client = db.session.get(Client, next(iter(pks)))
            return {client.id: client.client_id} if client is not None else {}
        if not pks:
            return {}
        rows = db.session.execute(
            select(Client.id, Client.client_id).where(Client.id.in_(sorted(pks)))
        )
        return dict(rows.all())
