"""Authlib grants, tightened: authorization code with mandatory PKCE S256, single-use
hashed codes (reuse revokes what they yielded), rotating refresh tokens (reuse revokes
the family), and the OpenID Connect ID token (pairwise ``sub``, ``nonce`` echoed).

A refused token request is rolled back by the transaction boundary, except what is
recorded here to survive it: the claim of a code or refresh token (single use whatever
the outcome: a wrong PKCE verifier still burns the code) and, on reuse, the revocation of
what it yielded with its audit event and the citizen's alert."""

from __future__ import annotations

import time
from datetime import timedelta

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from authlib.oidc.core.util import create_half_hash
from flask_babel import force_locale
from flask_babel import gettext as _
from joserfc import jwt
from sqlalchemy import bindparam, select, update

from authz import keys, tokens
from authz.models import AuthorizationCode, Grant, Token
from authz.policies import client_is_live, client_may_act_on
from ens_core.accounts.services import get_user
from ens_core.audit.services import record_event
from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow
from ens_core.notifications.services import notify
from ens_core.prepared import Prepared
from ens_core.scopes import join, parse_scopes
from ens_core.security import hash_secret
from ens_core.service_directory import SERVICES

CODE_LIFETIME = 60  # seconds
TOKEN_AUTH_METHODS = ["none", "client_secret_basic", "private_key_jwt"]


def ensure_client_live(client, redirect_uri=None) -> None:
    # The service's card: its status as it stands now, in one prepared statement.
    if not client_is_live(client, SERVICES.get().card(client.service_id)):
        raise UnauthorizedClientError(
            "This client or its service may not obtain tokens at the moment.",
            redirect_uri=redirect_uri,
        )


def alert_citizen(grant_id: int) -> None:
    """Tell the citizen that a replayed code or refresh token cut a service's access (a
    sign that a token may have been stolen)."""
    consent = db.session.get(Grant, grant_id)
    citizen = get_user(consent.citizen_id) if consent else None
    if citizen is None:
        return
    service = SERVICES.get().get(consent.service_id)
    with force_locale(citizen.preferred_locale or "fr"):
        notify(
            citizen,
            "oauth.token_reuse",
            _("Accès de %(name)s coupé par précaution", name=service.name),
            _(
                "Une autorisation déjà utilisée a été présentée une seconde fois : elle a "
                "peut-être été volée. Les accès en cours de ce service ont été coupés ; il "
                "devra vous redemander l'accès. Votre accord reste modifiable à tout moment."
            ),
            "/oauth/consentements",
        )


def _claim(used_at) -> Prepared:
    """Set a row's ``used_at`` column where it is still empty, in one UPDATE (prepared: a
    claim runs on every code exchange and refresh); its row count says who claimed it."""
    table = used_at.table
    return Prepared(
        update(table)
        .where(table.c.id == bindparam("row"), used_at.is_(None))
        .values({used_at.name: bindparam("now", type_=used_at.type)})
    )


_CODES = AuthorizationCode.__table__
_CODE_KEYS = tuple(_CODES.c.keys())
# Prepared once: every code exchange reads its code, with the grant and citizen behind it.
_CODE_STATE = tokens.read_with_consent(
    _CODES, tuple(_CODES.c), _CODES.c.code_hash == bindparam("hash")
)
_CLAIM_CODE = _claim(_CODES.c.used_at)
_CLAIM_REFRESH_TOKEN = _claim(Token.__table__.c.refresh_used_at)


def _claim_code(code_id: int, now) -> bool:
    """Mark a code used, atomically: True for the one request that claims it."""
    return _CLAIM_CODE.run({"row": code_id, "now": now}) == 1


def _cut_access_after_code_reuse(code_id: int, grant_id: int) -> None:
    revoked = tokens.revoke_tokens_of_code(code_id, reason="authorization code reused")
    record_event(None, "oauth.code_reuse", "grant", grant_id, revoked=revoked)
    alert_citizen(grant_id)


def _claim_refresh_token(token_id: int, now) -> bool:
    """Mark a refresh token used (rotation), atomically: True for the one request."""
    return _CLAIM_REFRESH_TOKEN.run({"row": token_id, "now": now}) == 1


def _cut_family_after_refresh_reuse(grant_id: int) -> None:
    revoked = tokens.revoke_family(grant_id, reason="refresh token reused")
    record_event(None, "oauth.refresh_reuse", "grant", grant_id, revoked=revoked)
    alert_citizen(grant_id)


def _consenting_citizen(oauth_request, consent, citizen):
    """The citizen whose consent (still in force) a code or refresh token carries, if their
    account is open and the requesting client may still act for them (both read with the
    code or token: :func:`authz.tokens.read_with_consent`); the consent is kept on the
    request. The resource server refuses a closed account's tokens too (authz.protector)."""
    if not Grant.is_active(consent, utcnow()):
        return None
    if not citizen.is_active or not client_may_act_on(oauth_request.client, citizen):
        return None
    oauth_request.authz_grant = consent
    return citizen


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only: a missing challenge, a missing method (which
    RFC 7636 would read as ``plain``) or ``plain`` itself is an error."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        # SMART App Launch: ``aud``, when sent, must be our FHIR base URL (a token meant
        # for another server must not be obtained here by mistake).
        audience = self.request.payload.data.get("aud")
        if audience and audience.rstrip("/") != tokens.fhir_base_url():
            raise InvalidRequestError(
                "'aud' must be this server's FHIR base URL.", redirect_uri=redirect_uri
            )
        ensure_client_live(self.request.client, redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code, request):
        consent: Grant = request.authz_grant
        now = utcnow()
        data = request.payload.data
        record = AuthorizationCode(
            code_hash=hash_secret(code),
            client_id=request.client.id,
            grant_id=consent.id,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.granted_scope,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce"),
            auth_time=getattr(request, "auth_time", None) or int(time.time()),
            created_at=now,
            expires_at=now + timedelta(seconds=CODE_LIFETIME),
        )
        db.session.add(record)
        db.session.flush()
        return record

    def query_authorization_code(self, code, client):
        row = _CODE_STATE.first({"hash": hash_secret(code)})
        if row is None:
            return None
        own, consent = tokens.split_consent(row)
        # A transient object (never added to the session): Authlib's accessors, no ORM load.
        record = AuthorizationCode(**dict(zip(_CODE_KEYS, own, strict=True)))
        if record.client_id != client.id:
            return None
        now = utcnow()
        code_id, grant_id = record.id, record.grant_id
        # Only one request can ever use a code, whatever becomes of that request.
        if not record_even_if_refused(lambda: _claim_code(code_id, now)):
            record_even_if_refused(lambda: _cut_access_after_code_reuse(code_id, grant_id))
            return None
        if record.expires_at <= now:
            return None
        self.request.ens_consent = consent
        return record

    def delete_authorization_code(self, authorization_code):
        """Codes are kept (marked used) so that a replay can be detected."""

    def authenticate_user(self, authorization_code):
        return _consenting_citizen(self.request, *self.request.ens_consent)

    def generate_token(self, user=None, scope=None, grant_type=None, **kwargs):
        client = self.request.client
        ensure_client_live(client)
        consent: Grant = self.request.authz_grant
        granted = [s for s in parse_scopes(scope) if s in parse_scopes(consent.scopes)]
        issued = tokens.issue_tokens(
            consent,
            client,
            granted,
            code=self.request.authorization_code,
            include_refresh="offline_access" in granted,
        )
        return issued.response()


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh tokens rotate on every use; presenting a used one revokes the family."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        found = tokens.find_refresh_state(refresh_token)
        if found is None or found[0].revoked_at is not None:
            return None
        record, consent = found
        now = utcnow()
        token_id, grant_id = record.id, record.grant_id
        # Presented once, used up, whatever becomes of this request (rotation).
        if not record_even_if_refused(lambda: _claim_refresh_token(token_id, now)):
            record_even_if_refused(lambda: _cut_family_after_refresh_reuse(grant_id))
            return None
        if record.refresh_expires_at is not None and record.refresh_expires_at <= now:
            return None
        return RefreshCredential(record, consent)

    def authenticate_user(self, refresh_token):
        if getattr(self.request, "authz_user", None) is not None:
            return self.request.authz_user
        citizen = _consenting_citizen(self.request, *refresh_token.consent)
        if citizen is not None:
            self.request.authz_user = citizen
        return citizen

    def create_token_response(self):
        # authenticate_user returning None must be invalid_grant (RFC 6749 §5.2).
        if self.authenticate_user(self.request.refresh_token) is None:
            raise InvalidGrantError("The consent behind this refresh token has ended.")
        return super().create_token_response()

    def revoke_old_credential(self, refresh_token):
        """The old refresh token was marked used when presented (rotation)."""

    def generate_token(self, user=None, scope=None, grant_type=None, **kwargs):
        client = self.request.client
        ensure_client_live(client)
        consent: Grant = self.request.authz_grant
        allowed = set(parse_scopes(consent.scopes))
        granted = [s for s in parse_scopes(scope) if s in allowed]
        issued = tokens.issue_tokens(
            consent,
            client,
            granted,
            parent=self.request.refresh_token.record,
            include_refresh="offline_access" in granted,
        )
        return issued.response()


class RefreshCredential:
    """Authlib's TokenMixin over a presented refresh token: the token's row, with its grant
    and citizen read in the same statement (:func:`authz.tokens.find_refresh_state`)."""

    def __init__(self, record, consent: tokens.Consent):
        self.record = record
        self.consent = consent

    def check_client(self, client) -> bool:
        return client.id == self.record.client_id

    def get_scope(self) -> str:
        return self.record.scope


class OpenIDCode(oidc_grants.OpenIDCode):
    """ID token for the code flow: pairwise ``sub`` (the same value userinfo returns),
    ``aud`` = client_id, ``nonce`` echoed, signed RS256 (default) or ES256 with a JWKS key."""

    def exists_nonce(self, nonce, request):
        return (
            db.session.scalar(
                select(AuthorizationCode.id).where(
                    AuthorizationCode.client_id == request.client.id,
                    AuthorizationCode.nonce == nonce,
                )
            )
            is not None
        )

    def generate_user_info(self, user, scope):
        return {}

    def encode_id_token(self, token, request):
        client = request.client
        consent: Grant = request.authz_grant
        alg = client.id_token_signed_response_alg or "RS256"
        if alg not in keys.ID_TOKEN_ALGS:
            alg = "RS256"
        kid, private = keys.signing_key(alg)
        now = int(time.time())
        code = request.authorization_code
        subject = tokens.pairwise_id(consent.citizen_id, consent.service_id)
        claims = {
            "iss": tokens.issuer(),
            "sub": subject,
            "aud": client.client_id,
            "iat": now,
            "exp": now + tokens.ID_TOKEN_LIFETIME,
            "auth_time": code.auth_time or now,
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        at_hash = create_half_hash(token["access_token"], alg)
        if at_hash is not None:
            claims["at_hash"] = at_hash.decode()
        if "fhirUser" in parse_scopes(token.get("scope")):
            claims["fhirUser"] = f"{tokens.fhir_base_url()}/Patient/{subject}"
        header = {"alg": alg, "kid": kid, "typ": "JWT"}
        return jwt.encode(header, claims, private, algorithms=[alg])


__all__ = [
    "AuthorizationCodeGrant",
    "OpenIDCode",
    "RefreshTokenGrant",
    "StrictCodeChallenge",
    "join",
]
