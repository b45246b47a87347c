"""Discovery documents: RFC 8414, OpenID Connect discovery, SMART configuration."""

from __future__ import annotations

from authlib.oauth2 import rfc8414, rfc9207
from authlib.oidc.discovery import OpenIDProviderMetadata

from ens_core.scopes import Scope


def test_rfc8414_metadata_is_valid(client):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    data = response.get_json()
    metadata = rfc8414.AuthorizationServerMetadata(data)
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    assert data["issuer"] == "http://127.0.0.1:5000"
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert data["authorization_response_iss_parameter_supported"] is True
    assert "implicit" not in data["grant_types_supported"]
    assert "password" not in data["grant_types_supported"]


def test_openid_configuration_is_valid(client):
    data = client.get("/.well-known/openid-configuration").get_json()
    OpenIDProviderMetadata(data).validate()
    assert "RS256" in data["id_token_signing_alg_values_supported"]
    assert data["subject_types_supported"] == ["pairwise"]
    assert data["userinfo_endpoint"].endswith("/oauth/userinfo")


def test_smart_configuration_has_the_required_fields(client):
    data = client.get("/fhir/.well-known/smart-configuration").get_json()
    for field in (
        "issuer",
        "jwks_uri",
        "authorization_endpoint",
        "token_endpoint",
        "grant_types_supported",
        "capabilities",
        "code_challenge_methods_supported",
        "token_endpoint_auth_methods_supported",
        "scopes_supported",
        "response_types_supported",
    ):
        assert field in data, field
    assert data["code_challenge_methods_supported"] == ["S256"]
    for capability in (
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "client-confidential-asymmetric",
        "permission-v2",
        "context-standalone-patient",
        "permission-offline",
        "sso-openid-connect",
    ):
        assert capability in data["capabilities"]
    assert set(data["scopes_supported"]) == {s.value for s in Scope}
    assert "launch/patient" in data["scopes_supported"]


def test_scope_labels_exist_in_french_and_english(app):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        for scope in Scope:
            with force_locale("en"):
                english = scope.label
            with force_locale("fr"):
                french = scope.label
            assert english == scope.label_en
            assert french != english
