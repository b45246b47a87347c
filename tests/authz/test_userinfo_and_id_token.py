"""OpenID Connect: ID token (nonce, pairwise sub, RS256/ES256) and /oauth/userinfo."""

from __future__ import annotations

from joserfc import jwt

from authz import keys
from authz.tokens import pairwise_id
from ens_core.db import db
from tests.authz.flow import authorize_path, exchange, get_code, login_citizen, pkce, query_of

SCOPE = "openid fhirUser patient/Observation.rs"


def _tokens(client, oauth_client, citizen=None, **extra):
    code, verifier, _ = get_code(client, oauth_client, SCOPE, citizen=citizen, **extra)
    return exchange(client, oauth_client, code, verifier).get_json()


def _with_nonce(client, oauth_client, citizen, nonce):
    from tests.authz.flow import consent

    login_citizen(client, citizen)
    verifier, challenge = pkce()
    response = consent(
        client, authorize_path(oauth_client.client_id, SCOPE, challenge, nonce=nonce)
    )
    code = query_of(response)["code"]
    return exchange(client, oauth_client, code, verifier).get_json()


def test_id_token_is_rs256_with_nonce_and_pairwise_sub(client, public, citizen, service):
    body = _with_nonce(client, public, citizen, "n0nce-123")
    token = jwt.decode(body["id_token"], keys.verification_keys("RS256"), algorithms=["RS256"])
    assert token.header["kid"] == keys.current_key("RS256").kid
    claims = token.claims
    assert claims["nonce"] == "n0nce-123"
    assert claims["aud"] == public.client_id
    assert claims["iss"] == "http://127.0.0.1:5000"
    assert claims["sub"] == pairwise_id(citizen.id, service.id)
    assert claims["fhirUser"].endswith(f"/fhir/Patient/{claims['sub']}")
    assert "at_hash" in claims


def test_es256_id_tokens_on_request(client, public, citizen):
    public.id_token_signed_response_alg = "ES256"
    db.session.flush()
    body = _with_nonce(client, public, citizen, "n-es")
    token = jwt.decode(body["id_token"], keys.verification_keys("ES256"), algorithms=["ES256"])
    assert token.header["alg"] == "ES256"


def test_reused_nonce_is_refused(client, public, citizen):
    _with_nonce(client, public, citizen, "same-nonce")
    _verifier, challenge = pkce()
    response = client.get(authorize_path(public.client_id, SCOPE, challenge, nonce="same-nonce"))
    assert query_of(response)["error"] == "invalid_request"


def test_no_id_token_without_openid(client, public, citizen):
    code, verifier, _ = get_code(client, public, "patient/Observation.rs", citizen=citizen)
    assert "id_token" not in exchange(client, public, code, verifier).get_json()


def test_userinfo_returns_the_same_sub(client, public, citizen):
    body = _with_nonce(client, public, citizen, "n-u")
    response = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert response.status_code == 200
    info = response.get_json()
    id_claims = jwt.decode(body["id_token"], keys.verification_keys("RS256")).claims
    assert info["sub"] == id_claims["sub"]
    assert info["fhirUser"] == id_claims["fhirUser"]


def test_userinfo_without_token_or_openid(client, public, citizen):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    code, verifier, _ = get_code(client, public, "patient/Observation.rs", citizen=citizen)
    token = exchange(client, public, code, verifier).get_json()["access_token"]
    response = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
