"""POST /oauth/revoke (RFC 7009) and grant revocation by the citizen."""

from __future__ import annotations

from authz.consent import grant_of
from authz.services import revoke_grant
from tests.authz.flow import basic, exchange, get_code, refresh
from tests.authz.support import protected_status

SCOPE = "patient/Observation.rs offline_access"



def _tokens(client, oauth_client, citizen=None, secret=None):
    code, verifier, _ = get_code(client, oauth_client, SCOPE, citizen=citizen)
    return exchange(client, oauth_client, code, verifier, secret=secret).get_json()


def test_revoking_an_access_token_kills_it_at_once(app, client, public, citizen):
    tokens = _tokens(client, public, citizen)
    assert protected_status(app, tokens["access_token"], "search") == 200
    response = client.post(
        "/oauth/revoke", data={"token": tokens["access_token"], "client_id": public.client_id}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert protected_status(app, tokens["access_token"], "search") == 401


def test_revoking_a_refresh_token_kills_the_family(app, client, public, citizen):
    tokens = _tokens(client, public, citizen)
    response = client.post(
        "/oauth/revoke",
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": public.client_id,
        },
    )
    assert response.status_code == 200
    assert refresh(client, public, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert protected_status(app, tokens["access_token"], "search") == 401


def test_unknown_token_is_still_200(client, public):
    response = client.post("/oauth/revoke", data={"token": "nope", "client_id": public.client_id})
    assert response.status_code == 200


def test_a_client_cannot_revoke_another_clients_token(app, client, public, confidential, citizen):
    tokens = _tokens(client, public, citizen)
    other, secret = confidential
    response = client.post(
        "/oauth/revoke",
        data={"token": tokens["access_token"]},
        headers=basic(other.client_id, secret),
    )
    assert response.status_code == 400
    assert protected_status(app, tokens["access_token"], "search") == 200


def test_confidential_client_must_authenticate_to_revoke(client, confidential, citizen):
    other, secret = confidential
    tokens = _tokens(client, other, citizen, secret=secret)
    response = client.post(
        "/oauth/revoke", data={"token": tokens["access_token"], "client_id": other.client_id}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_revoked_grant_refuses_the_token_immediately(app, client, public, citizen, service):
    tokens = _tokens(client, public, citizen)
    assert protected_status(app, tokens["access_token"], "search") == 200
    revoke_grant(grant_of(citizen, service), reason="retrait par le titulaire")
    assert protected_status(app, tokens["access_token"], "search") == 401
