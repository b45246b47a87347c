"""POST /oauth/token with grant_type=authorization_code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from joserfc import jwt

from authz import keys
from authz.consent import grant_of
from authz.models import AuthorizationCode, Token
from authz.tokens import pairwise_id
from catalogue.models import ServiceStatus
from catalogue.services import get_service
from ens_core.db import db, utcnow
from ens_core.security import hash_secret
from tests.authz.flow import basic, exchange, get_code, public_client

SCOPE = "patient/Observation.rs launch/patient"


def _assert_oauth_error(response, error, status=400):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["error"] == error


def test_code_exchange_returns_a_smart_token_response(client, public, citizen, service):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen, duration="one_time")
    response = exchange(client, public, code, verifier)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == SCOPE
    assert body["patient"] == pairwise_id(citizen.id, service.id)
    assert "refresh_token" not in body  # no offline_access
    assert "id_token" not in body


def test_access_token_is_an_rfc9068_jwt(client, public, citizen, service):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    body = exchange(client, public, code, verifier).get_json()
    token = jwt.decode(body["access_token"], keys.verification_keys("ES256"), algorithms=["ES256"])
    assert token.header["typ"] == "at+jwt"
    assert token.header["alg"] == "ES256"
    assert token.header["kid"] == keys.current_key("ES256").kid
    claims = token.claims
    assert claims["aud"] == "http://127.0.0.1:5000/fhir"
    assert claims["iss"] == "http://127.0.0.1:5000"
    assert claims["client_id"] == public.client_id
    assert claims["grant_id"] == grant_of(citizen, service).id
    assert claims["patient"] == claims["sub"] == body["patient"]
    assert claims["exp"] - claims["iat"] == 600
    assert str(citizen.id) != claims["sub"]


def test_code_is_stored_hashed_only(client, public, citizen):
    code, _, _ = get_code(client, public, SCOPE, citizen=citizen)
    record = db.session.query(AuthorizationCode).one()
    assert record.code_hash == hash_secret(code)
    assert code not in (record.code_hash, record.scope)
    assert (record.expires_at - record.created_at) <= timedelta(seconds=60)


def test_wrong_verifier_is_invalid_grant(client, public, citizen):
    code, _, _ = get_code(client, public, SCOPE, citizen=citizen)
    response = exchange(client, public, code, "x" * 50)
    _assert_oauth_error(response, "invalid_grant")


def test_a_refused_exchange_still_uses_up_the_code(client, public, citizen):
    """The request is refused and rolled back, but the code's claim survives: a code is
    usable once, so verifiers cannot be tried one after another."""
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    _assert_oauth_error(exchange(client, public, code, "x" * 50), "invalid_grant")
    _assert_oauth_error(exchange(client, public, code, verifier), "invalid_grant")
    assert db.session.query(AuthorizationCode).one().used_at is not None


def test_missing_verifier_is_invalid_request(client, public, citizen):
    code, _, _ = get_code(client, public, SCOPE, citizen=citizen)
    response = exchange(client, public, code, None)
    _assert_oauth_error(response, "invalid_request")


def test_code_reuse_fails_and_revokes_tokens_issued_from_it(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE + " offline_access", citizen=citizen)
    first = exchange(client, public, code, verifier)
    assert first.status_code == 200
    second = exchange(client, public, code, verifier)
    _assert_oauth_error(second, "invalid_grant")
    record = db.session.query(Token).one()
    assert record.revoked_at is not None
    # The refresh token issued from the replayed code is dead too.
    from tests.authz.flow import refresh

    _assert_oauth_error(refresh(client, public, first.get_json()["refresh_token"]), "invalid_grant")


def test_code_from_another_client_is_refused(client, public, citizen, service):
    other = public_client(service)
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    _assert_oauth_error(exchange(client, other, code, verifier), "invalid_grant")


def test_redirect_uri_must_match_the_one_of_the_request(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    response = exchange(client, public, code, verifier, redirect="http://127.0.0.1:8765/callback/")
    _assert_oauth_error(response, "invalid_grant")


def test_expired_code_is_refused(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    record = db.session.query(AuthorizationCode).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    _assert_oauth_error(exchange(client, public, code, verifier), "invalid_grant")


def test_unknown_grant_types_are_refused(client, public):
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "a",
            "password": "b",
            "client_id": public.client_id,
        },
    )
    _assert_oauth_error(response, "unsupported_grant_type")
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": public.client_id}
    )
    _assert_oauth_error(response, "unsupported_grant_type")


def test_confidential_client_must_authenticate(client, confidential, citizen):
    oauth_client, secret = confidential
    code, verifier, _ = get_code(client, oauth_client, SCOPE, citizen=citizen)
    # As if public: no secret.
    _assert_oauth_error(
        exchange(client, oauth_client, code, verifier), "invalid_client", status=401
    )
    code, verifier, _ = get_code(client, oauth_client, SCOPE)
    wrong = exchange(client, oauth_client, code, verifier, secret="not-the-secret")
    _assert_oauth_error(wrong, "invalid_client", status=401)
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    code, verifier, _ = get_code(client, oauth_client, SCOPE)
    assert exchange(client, oauth_client, code, verifier, secret=secret).status_code == 200


def test_client_secret_is_stored_hashed(confidential):
    oauth_client, secret = confidential
    assert oauth_client.secret_hash == hash_secret(secret)


def test_public_client_cannot_use_a_secret_method(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": "http://127.0.0.1:8765/callback",
        },
        headers=basic(public.client_id, "anything"),
    )
    _assert_oauth_error(response, "invalid_client", status=401)


@pytest.mark.parametrize("status", [ServiceStatus.SUSPENDED, ServiceStatus.DELISTED])
def test_suspension_between_code_and_token_means_no_token(client, public, citizen, status):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    get_service(public.service_id).status = status
    db.session.flush()
    _assert_oauth_error(exchange(client, public, code, verifier), "unauthorized_client")


def test_revoked_grant_between_code_and_token_means_no_token(client, public, citizen, service):
    from authz.services import revoke_grant

    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    revoke_grant(grant_of(citizen, service), reason="citizen")
    _assert_oauth_error(exchange(client, public, code, verifier), "invalid_grant")


def test_account_closed_between_code_and_token_means_no_token(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    citizen.is_active_account = False
    db.session.flush()
    _assert_oauth_error(exchange(client, public, code, verifier), "invalid_grant")


def test_offline_access_yields_a_refresh_token_only_for_long_consent(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE + " offline_access", citizen=citizen)
    body = exchange(client, public, code, verifier).get_json()
    assert body["refresh_token"]
    assert "offline_access" in body["scope"]
    code, verifier, _ = get_code(client, public, SCOPE + " offline_access", duration="one_time")
    body = exchange(client, public, code, verifier).get_json()
    assert "refresh_token" not in body
    assert "offline_access" not in body["scope"]


def test_other_methods_get_a_json_405(client):
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect"):
        response = client.get(path)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"
        assert response.get_json()["error"] == "invalid_request"


def test_malformed_client_authentication_is_invalid_client_not_a_crash(client, public):
    for headers in ({"Authorization": "Basic !!!"}, {"Authorization": "Basic bm9jb2xvbg=="}):
        response = client.post(
            "/oauth/token", data={"grant_type": "authorization_code", "code": "x"}, headers=headers
        )
        _assert_oauth_error(response, "invalid_client", status=401)
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "a.b.c",
        },
    )
    _assert_oauth_error(response, "invalid_client")
