"""CORS as SMART expects it: the origins of the clients' registered redirect URIs may call
the token, revocation and (confidential clients) introspection endpoints, discovery, the
keys and the FHIR API from a browser; nobody else, and never the authorize endpoint."""

from __future__ import annotations

import pytest

from authz.models import ClientKind
from ens_core.db import db
from tests.authz.flow import confidential_client, public_client
from tests.authz.support import fhir_token

APP = "http://127.0.0.1:8765"  # flow.REDIRECT's origin


def _preflight(client, path, origin, method="POST", headers="authorization, content-type"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/oauth/token", "POST"),
        ("/oauth/revoke", "POST"),
        ("/oauth/userinfo", "GET"),
        ("/fhir/Observation", "GET"),
        ("/fhir/Observation/abc", "PUT"),
        ("/fhir", "POST"),
        ("/fhir/metadata", "GET"),
        ("/fhir/.well-known/smart-configuration", "GET"),
        ("/.well-known/openid-configuration", "GET"),
        ("/oauth/jwks", "GET"),
    ],
)
def test_preflight_from_a_registered_origin_is_allowed(client, public, path, method):
    response = _preflight(client, path, APP, method)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in response.headers["Vary"]
    assert method in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "if-match"} <= {h.strip() for h in allowed.split(",")}
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8766",
        "https://127.0.0.1:8765",
        "http://localhost:8765",
        "null",
        "http://127.0.0.1:8765.evil.example",
        "HTTP://127.0.0.1:8765",
    ],
)
def test_preflight_from_another_origin_is_refused(client, public, origin):
    response = _preflight(client, "/oauth/token", origin)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_introspection_is_for_confidential_clients_origins_only(client, service):
    public_client(service, redirect="http://127.0.0.1:9001/cb")
    assert _preflight(client, "/oauth/introspect", "http://127.0.0.1:9001").status_code == 403
    assert _preflight(client, "/oauth/token", "http://127.0.0.1:9001").status_code == 204
    confidential_client(service)  # redirect on APP
    response = _preflight(client, "/oauth/introspect", APP)
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_authorize_and_pages_get_no_cors(client, public):
    for path in ("/oauth/authorize", "/espace", "/", "/login", "/api/catalogue/services"):
        response = _preflight(client, path, APP, "GET")
        assert "Access-Control-Allow-Origin" not in response.headers, path
        response = client.get(path, headers={"Origin": APP})
        assert "Access-Control-Allow-Origin" not in response.headers, path


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/metadata",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
        "/fhir/.well-known/smart-configuration",
        "/oauth/jwks",
    ],
)
def test_discovery_answers_carry_the_exact_origin(client, public, path):
    response = client.get(path, headers={"Origin": APP})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "Origin" in response.headers["Vary"]
    other = client.get(path, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]


def test_fhir_answers_and_errors_are_readable_by_the_app(client, public, service, citizen):
    token = fhir_token(citizen, service, "launch/patient patient/Observation.rs")
    ok = client.get(
        "/fhir/Observation", headers={"Origin": APP, "Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == APP
    assert "Location" in ok.headers["Access-Control-Expose-Headers"]
    refused = client.get("/fhir/Observation", headers={"Origin": APP})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == APP
    assert "WWW-Authenticate" in refused.headers["Access-Control-Expose-Headers"]


def test_token_endpoint_errors_carry_the_origin(client, public):
    response = client.post(
        "/oauth/token", data={"grant_type": "authorization_code"}, headers={"Origin": APP}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_a_new_client_is_allowed_at_once_and_a_disabled_one_is_not(client, service):
    origin = "http://127.0.0.1:9002"
    assert _preflight(client, "/oauth/token", origin).status_code == 403  # cache loaded
    registered = public_client(service, kind=ClientKind.SANDBOX, redirect=f"{origin}/cb")
    assert _preflight(client, "/oauth/token", origin).status_code == 204
    registered.is_enabled = False
    db.session.flush()
    assert _preflight(client, "/oauth/token", origin).status_code == 403


def test_capability_statement_says_cors(client):
    statement = client.get("/fhir/metadata").get_json()
    assert statement["rest"][0]["security"]["cors"] is True
