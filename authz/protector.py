"""The resource protector of the FHIR API.

``@require_scope("Observation", "read")`` validates the bearer JWT (signature with a key
of our JWKS, ``typ: at+jwt``, issuer, audience = FHIR base URL, expiry), then checks live
state on every request: the token is not revoked, its grant is active, the client is
enabled and the service operational. It then sets ``flask.g.authz`` to an
:class:`AccessContext`. Failures answer a FHIR OperationOutcome: 401 with
``WWW-Authenticate: Bearer error="invalid_token"`` or 403 ``insufficient_scope``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6750.errors import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from flask import g, jsonify, request
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select

from authz import keys
from authz import scopes as smart
from authz.models import Client, Grant, Token
from authz.policies import client_is_live, client_may_act_on
from authz.tokens import fhir_base_url, issuer, pairwise_id
from ens_core.db import db, utcnow

INTERACTIONS = frozenset(smart.INTERACTION_LETTERS)


@dataclass
class AccessContext:
    """What a protected FHIR view may rely on.

    ``citizen`` is always the person whose data is accessed (for a minor, the minor).
    ``acting_for`` is set when a guardian consented on the citizen's behalf: it is that
    guardian (the person acting for the citizen); None when the citizen consented.
    ``patient_id`` is the pairwise pseudonymous id this service knows the citizen by.
    """

    citizen: object
    service: object
    client: Client
    grant: Grant
    scopes: list[str] = field(default_factory=list)
    patient_id: str = ""
    acting_for: object | None = None

    def allows(self, resource_type: str, interaction: str) -> bool:
        return smart.allows(self.scopes, resource_type, interaction)


class AccessTokenValidator(JWTBearerTokenValidator):
    """RFC 9068 validation, ES256 only, ``typ`` required; issuer/audience read per request
    so that the app configuration (``ENS_ISSUER``) is the single source."""

    def __init__(self):
        super().__init__(issuer=None, resource_server=None)

    def get_jwks(self):
        return keys.verification_keys(keys.ACCESS_TOKEN_ALG)

    def authenticate_token(self, token_string):
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
            token = jwt.decode(token_string, self.get_jwks(), algorithms=[keys.ACCESS_TOKEN_ALG])
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


protector = ResourceProtector()
protector.register_token_validator(AccessTokenValidator())


def _outcome(status: int, code: str, diagnostics: str, www_authenticate: str | None = None):
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/fhir+json"
    response.headers["Cache-Control"] = "no-store"
    if www_authenticate:
        response.headers["WWW-Authenticate"] = www_authenticate
    return response


def _invalid_token(description: str):
    return _outcome(
        401,
        "login",
        description,
        f'Bearer realm="{fhir_base_url()}", error="invalid_token", '
        f'error_description="{description}"',
    )


def authenticate_request() -> AccessContext:
    """Validate the bearer token of the current request and load its live context.

    Raises :class:`InvalidTokenError` (→ 401) when anything is wrong with the token or
    the state behind it."""
    from catalogue.services import get_service
    from ens_core.accounts.models import User

    claims = protector.validate_request(scopes=None, request=FlaskJsonRequest(request))
    now = utcnow()
    # One round trip on this hot path: the token, its grant, its client and the citizen.
    row = db.session.execute(
        select(Token, Grant, Client, User)
        .outerjoin(Grant, Grant.id == Token.grant_id)
        .outerjoin(Client, Client.id == Token.client_id)
        .outerjoin(User, User.id == Grant.citizen_id)
        .where(Token.jti == str(claims["jti"]))
    ).first()
    record, grant, client, citizen = row if row is not None else (None, None, None, None)
    if record is None or record.revoked_at is not None:
        raise InvalidTokenError(description="The access token has been revoked.")
    if grant is None or grant.id != claims["grant_id"] or not grant.is_active(now):
        raise InvalidTokenError(description="The consent behind this token has ended.")
    if client is None or client.client_id != claims["client_id"]:
        raise InvalidTokenError(description="The access token is invalid.")
    service = get_service(grant.service_id)
    if not client_is_live(client, service) or client.service_id != service.id:
        raise InvalidTokenError(description="This service may not access data at the moment.")
    patient = pairwise_id(grant.citizen_id, grant.service_id)
    if citizen is None or not citizen.is_active or claims.get("patient") != patient:
        raise InvalidTokenError(description="The access token is invalid.")
    if not client_may_act_on(client, citizen):
        raise InvalidTokenError(description="This client may not act on this account.")
    granted = set(smart.parse_scopes(grant.scopes))
    guardian = None
    if grant.consented_by_id != grant.citizen_id:
        guardian = db.session.get(User, grant.consented_by_id)
    return AccessContext(
        citizen=citizen,
        service=service,
        client=client,
        grant=grant,
        # A re-consent that narrowed the grant narrows live tokens at once too.
        scopes=[s for s in smart.parse_scopes(record.scope) if s in granted],
        patient_id=patient,
        acting_for=guardian,
    )


def require_scope(resource_type: str, interaction: str):
    """Protect a FHIR view: a live token whose scopes allow ``interaction`` on
    ``resource_type`` (SMART v2 letters: read→r, search→s, create→c, update→u,
    delete→d). Sets ``flask.g.authz`` (an :class:`AccessContext`)."""
    if interaction not in INTERACTIONS:
        raise ValueError(f"unknown interaction {interaction!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                context = authenticate_request()
            except InsufficientScopeError as error:  # pragma: no cover - not raised above
                return _outcome(403, "forbidden", error.description or "insufficient_scope")
            except OAuth2Error as error:
                if error.error == "missing_authorization":
                    return _outcome(
                        401,
                        "login",
                        "A bearer access token is required.",
                        f'Bearer realm="{fhir_base_url()}"',
                    )
                return _invalid_token(error.description or "The access token is invalid.")
            if not context.allows(resource_type, interaction):
                needed = smart.required_scope(resource_type, interaction)
                response = _outcome(
                    403,
                    "forbidden",
                    f"The token does not allow this interaction (needs {needed}).",
                    f'Bearer realm="{fhir_base_url()}", error="insufficient_scope", '
                    f'scope="{needed}"',
                )
                return response
            g.authz = context
            return view(*args, **kwargs)

        return wrapper

    return decorator
