"""The Authlib authorization server of ENS Store: clients, grants, endpoints.

Clients are looked up live on every request (a disabled client or a suspended service
gets no token). Client authentication at the token, revocation and introspection
endpoints: ``none`` (public, PKCE), ``client_secret_basic`` (SHA-256 of the secret,
constant-time compare) and ``private_key_jwt`` (RFC 7523, keys from the registered JWKS,
``jti`` replay-checked).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError

from authz import tokens
from authz.conformance.recorder import note_client
from authz.grants import (
    AuthorizationCodeGrant,
    OpenIDCode,
    RefreshTokenGrant,
    StrictCodeChallenge,
)
from authz.models import AuthMethod, Client, ClientAssertion, Grant, Token
from authz.policies import client_is_live
from authz.services import client_record
from authz.throttling import count_failure
from ens_core.boundary import record_even_if_refused, roll_back
from ens_core.db import db, utcnow
from ens_core.scopes import ALL_SCOPES, CONTEXT_SCOPES, parse_scopes
from ens_core.security import secret_matches
from ens_core.service_directory import SERVICES

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def redirect_uri_allowed(uri: str) -> bool:
    """``https``, or ``http`` on a loopback host only; never a fragment."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


class OAuthClient(ClientMixin):
    """Authlib's view of a :class:`Client` record."""

    def __init__(self, record: Client):
        self.record = record

    def __getattr__(self, name):
        return getattr(self.record, name)

    def get_client_id(self):
        return self.record.client_id

    def get_default_redirect_uri(self):
        uris = self.record.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope):
        """Requested ∩ ceiling (context scopes such as ``launch/patient`` carry no data
        and are always allowed). None when nothing is left: ``invalid_scope``."""
        ceiling = set(parse_scopes(self.record.scope_ceiling)) | CONTEXT_SCOPES
        allowed = [s for s in parse_scopes(scope) if s in ceiling]
        if not [s for s in allowed if s not in CONTEXT_SCOPES]:
            return None
        return " ".join(allowed)

    def check_redirect_uri(self, redirect_uri):
        # Exact string comparison: no prefix, case or normalisation games.
        return redirect_uri in (self.record.redirect_uris or []) and redirect_uri_allowed(
            redirect_uri
        )

    def check_client_secret(self, client_secret):
        return secret_matches(client_secret, self.record.secret_hash)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == str(self.record.token_endpoint_auth_method)

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


def query_client(client_id) -> OAuthClient | None:
    if not client_id or not isinstance(client_id, str):
        return None
    record = client_record(client_id)
    if record is None:
        return None
    note_client(record)  # what a sandbox conformance run needs, without another query
    return OAuthClient(record)


def _save_token(token, request):
    """Tokens are recorded when they are signed (see :mod:`authz.tokens`)."""


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self):
        issuer = tokens.issuer()
        return [f"{issuer}/oauth/token", issuer]

    def resolve_client_public_key(self, client):
        if not client.record.jwks:
            raise InvalidClientError(description="The client has no registered JWKS.")
        return KeySet.import_key_set(client.record.jwks)

    def validate_jti(self, claims, jti):
        """An assertion is usable once, even when the request it authenticated is then
        refused: its ``jti`` is recorded to survive the request's rollback."""
        expires = datetime.fromtimestamp(int(claims.get("exp", 0)), UTC)
        client = query_client(claims.get("sub"))
        if client is None:
            return False
        return record_even_if_refused(
            lambda: _record_assertion(client.record.id, str(jti)[:255], expires)
        )


def _record_assertion(client_pk: int, jti: str, expires) -> bool:
    """Record a client assertion's ``jti``; False if it was already used (a replay)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ClientAssertion(
                    client_id=client_pk,
                    jti=jti,
                    expires_at=max(expires, utcnow() + timedelta(minutes=5)),
                )
            )
    except IntegrityError:
        return False
    return True


class PresentedToken:
    """Authlib's TokenMixin over a :class:`Token` record, as an access or refresh token."""

    def __init__(self, record: Token, kind: str):
        self.record = record
        self.kind = kind

    def check_client(self, client) -> bool:
        return client.id == self.record.client_id

    def get_scope(self) -> str:
        return self.record.scope

    def is_revoked(self) -> bool:
        record = self.record
        if record.revoked_at is not None:
            return True
        return self.kind == "refresh_token" and record.refresh_used_at is not None

    def expires_at(self):
        if self.kind == "refresh_token":
            return self.record.refresh_expires_at
        return self.record.access_expires_at

    def is_expired(self) -> bool:
        expires = self.expires_at()
        return expires is not None and expires <= utcnow()

    def get_expires_in(self) -> int:
        expires = self.expires_at()
        return int((expires - utcnow()).total_seconds()) if expires else 0


def find_presented_token(value: str, hint: str | None) -> PresentedToken | None:
    order = ["refresh_token", "access_token"]
    if hint == "access_token":
        order.reverse()
    for kind in order:
        if kind == "refresh_token":
            record = tokens.find_by_refresh_token(value)
        else:
            jti = tokens.decode_unverified_jti(value)
            record = tokens.find_by_jti(jti) if jti else None
        if record is not None:
            return PresentedToken(record, kind)
    return None


class TokenRevocation(RevocationEndpoint):
    """RFC 7009. Revoking a refresh token ends its whole family (every token of the
    grant); revoking an access token ends that token."""

    CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "private_key_jwt"]

    def query_token(self, token_string, token_type_hint):
        return find_presented_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        if token.kind == "refresh_token":
            tokens.revoke_family(token.record.grant_id, reason="revoked by the client")
        else:
            tokens.revoke_token(token.record, reason="revoked by the client")


class TokenIntrospection(IntrospectionEndpoint):
    """RFC 7662, for confidential clients about their own tokens. A token is active only
    while it is unexpired, unrevoked, its grant active and its client and service live."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]

    def query_token(self, token_string, token_type_hint):
        return find_presented_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return token.check_client(client)

    def create_introspection_payload(self, token):
        if token is None or token.is_expired() or token.is_revoked():
            return {"active": False}
        grant = db.session.get(Grant, token.record.grant_id)
        client = db.session.get(Client, token.record.client_id)
        if (
            grant is None
            or not grant.is_active(utcnow())
            or not client_is_live(client, SERVICES.get().get(grant.service_id))
        ):
            return {"active": False}
        return self.introspect_token(token, grant, client)

    def introspect_token(self, token, grant=None, client=None):
        record = token.record
        subject = tokens.pairwise_id(grant.citizen_id, grant.service_id)
        expires = token.expires_at()
        body = {
            "active": True,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "scope": " ".join(
                s for s in parse_scopes(record.scope) if s in parse_scopes(grant.scopes)
            ),
            "client_id": client.client_id,
            "sub": subject,
            "patient": subject,
            "aud": tokens.fhir_base_url(),
            "iss": tokens.issuer(),
            "iat": int(record.issued_at.timestamp()),
            "grant_id": grant.id,
        }
        if expires is not None:
            body["exp"] = int(expires.timestamp())
        if token.kind == "access_token":
            body["jti"] = record.jti
        return body


class ENSIssuerParameter(IssuerParameter):
    def get_issuer(self):
        return tokens.issuer()


class ENSAuthorizationServer(AuthorizationServer):
    def authenticate_client(self, request, methods, endpoint="token"):
        """Authlib's client authentication, with failures throttled (``authz.throttling``)."""
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError:
            count_failure(request)
            raise

    def handle_error_response(self, request, error):
        """An OAuth error answer is a refusal, even when it is a 302 to the client: the
        request keeps nothing but what was recorded to survive (``authz.grants``)."""
        roll_back()
        return super().handle_error_response(request, error)


def create_server(app) -> AuthorizationServer:
    server = ENSAuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=_save_token)
    server.scopes_supported = ALL_SCOPES
    server.register_grant(
        AuthorizationCodeGrant, [StrictCodeChallenge(required=True), OpenIDCode()]
    )
    server.register_grant(RefreshTokenGrant)
    server.register_client_auth_method(AuthMethod.PRIVATE_KEY_JWT.value, PrivateKeyJWT())
    server.register_endpoint(TokenRevocation)
    server.register_endpoint(TokenIntrospection)
    server.register_extension(ENSIssuerParameter())
    return server
