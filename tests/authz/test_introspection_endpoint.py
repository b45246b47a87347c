"""POST /oauth/introspect (RFC 7662)."""

from __future__ import annotations

from authz.consent import grant_of
from authz.services import revoke_grant
from authz.tokens import pairwise_id
from catalogue.models import ServiceStatus
from ens_core.db import db
from tests.authz.flow import basic, exchange, get_code

SCOPE = "patient/Observation.rs offline_access"


def _tokens(client, oauth_client, secret, citizen):
    code, verifier, _ = get_code(client, oauth_client, SCOPE, citizen=citizen)
    return exchange(client, oauth_client, code, verifier, secret=secret).get_json()


def _introspect(client, oauth_client, secret, token, **extra):
    return client.post(
        "/oauth/introspect",
        data={"token": token, **extra},
        headers=basic(oauth_client.client_id, secret),
    )


def test_active_access_token(client, confidential, citizen, service):
    oauth_client, secret = confidential
    tokens = _tokens(client, oauth_client, secret, citizen)
    response = _introspect(client, oauth_client, secret, tokens["access_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["active"] is True
    assert body["client_id"] == oauth_client.client_id
    assert body["scope"] == tokens["scope"]
    assert body["sub"] == pairwise_id(citizen.id, service.id)
    assert body["aud"] == "http://127.0.0.1:5000/fhir"
    assert body["token_type"] == "Bearer"


def test_refresh_token_introspection(client, confidential, citizen):
    oauth_client, secret = confidential
    tokens = _tokens(client, oauth_client, secret, citizen)
    body = _introspect(
        client, oauth_client, secret, tokens["refresh_token"], token_type_hint="refresh_token"
    ).get_json()
    assert body["active"] is True


def test_revoked_tokens_are_inactive(client, confidential, citizen, service):
    oauth_client, secret = confidential
    tokens = _tokens(client, oauth_client, secret, citizen)
    client.post(
        "/oauth/revoke",
        data={"token": tokens["access_token"]},
        headers=basic(oauth_client.client_id, secret),
    )
    assert _introspect(client, oauth_client, secret, tokens["access_token"]).get_json() == {
        "active": False
    }
    tokens = _tokens(client, oauth_client, secret, citizen)
    revoke_grant(grant_of(citizen, service), reason="citizen")
    for value in (tokens["access_token"], tokens["refresh_token"]):
        assert _introspect(client, oauth_client, secret, value).get_json() == {"active": False}


def test_suspended_service_tokens_are_inactive(client, confidential, citizen, service):
    oauth_client, secret = confidential
    tokens = _tokens(client, oauth_client, secret, citizen)
    service.status = ServiceStatus.SUSPENDED
    db.session.flush()
    assert _introspect(client, oauth_client, secret, tokens["access_token"]).get_json() == {
        "active": False
    }


def test_garbage_is_inactive(client, confidential):
    oauth_client, secret = confidential
    assert _introspect(client, oauth_client, secret, "garbage").get_json() == {"active": False}


def test_public_clients_cannot_introspect(client, public):
    response = client.post("/oauth/introspect", data={"token": "x", "client_id": public.client_id})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_a_client_cannot_introspect_another_clients_token(client, public, confidential, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    tokens = exchange(client, public, code, verifier).get_json()
    other, secret = confidential
    assert _introspect(client, other, secret, tokens["access_token"]).get_json() == {
        "active": False
    }
