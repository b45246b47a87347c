"""Confidential asymmetric clients: private_key_jwt (RFC 7523) at the token endpoint."""

from __future__ import annotations

import time
import uuid

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from authz.models import AuthMethod, ClientKind
from authz.services import create_client
from tests.authz.flow import REDIRECT, get_code

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _client(service):
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    jwks = KeySet([key]).as_dict(private=False)
    client, _ = create_client(
        service,
        kind=ClientKind.PRODUCTION,
        name="Asymmetric",
        redirect_uris=[REDIRECT],
        scope_ceiling="patient/Observation.rs",
        auth_method=AuthMethod.PRIVATE_KEY_JWT,
        jwks=jwks,
    )
    return client, key


def _assertion(client_id, key, *, jti=None, aud="http://127.0.0.1:5000/oauth/token"):
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 120,
        "jti": jti or str(uuid.uuid4()),
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def _exchange(http, client, code, verifier, assertion):
    return http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
    )


def test_private_key_jwt_authenticates(client, service, citizen):
    oauth_client, key = _client(service)
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs", citizen=citizen)
    response = _exchange(
        client, oauth_client, code, verifier, _assertion(oauth_client.client_id, key)
    )
    assert response.status_code == 200, response.get_json()


def test_replayed_assertion_is_refused(client, service, citizen):
    oauth_client, key = _client(service)
    assertion = _assertion(oauth_client.client_id, key, jti="fixed-jti")
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs", citizen=citizen)
    assert _exchange(client, oauth_client, code, verifier, assertion).status_code == 200
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs")
    response = _exchange(client, oauth_client, code, verifier, assertion)
    assert response.get_json()["error"] == "invalid_client"


def test_an_assertion_is_used_up_even_when_its_request_is_refused(client, service, citizen):
    oauth_client, key = _client(service)
    assertion = _assertion(oauth_client.client_id, key, jti="refused-request-jti")
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs", citizen=citizen)
    refused = _exchange(client, oauth_client, code, "x" * 50, assertion)
    assert refused.get_json()["error"] == "invalid_grant"  # the client did authenticate
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs")
    response = _exchange(client, oauth_client, code, verifier, assertion)
    assert response.get_json()["error"] == "invalid_client"


def test_assertion_signed_by_another_key_is_refused(client, service, citizen):
    oauth_client, _ = _client(service)
    rogue = ECKey.generate_key("P-256", private=True, auto_kid=True)
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs", citizen=citizen)
    response = _exchange(
        client, oauth_client, code, verifier, _assertion(oauth_client.client_id, rogue)
    )
    assert response.get_json()["error"] == "invalid_client"


def test_wrong_audience_is_refused(client, service, citizen):
    oauth_client, key = _client(service)
    code, verifier, _ = get_code(client, oauth_client, "patient/Observation.rs", citizen=citizen)
    assertion = _assertion(oauth_client.client_id, key, aud="https://other.example/token")
    response = _exchange(client, oauth_client, code, verifier, assertion)
    assert response.get_json()["error"] == "invalid_client"
