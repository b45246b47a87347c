"""Discovery documents: RFC 8414 metadata, OpenID Connect discovery, SMART configuration."""

from __future__ import annotations

from authz import keys
from authz.tokens import fhir_base_url, issuer
from ens_core.scopes import SCOPE_LABELS_EN, Scope

SMART_CAPABILITIES = [
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "client-confidential-asymmetric",
    "context-standalone-patient",
    "permission-v2",
    "permission-patient",
    "permission-offline",
    "sso-openid-connect",
]
TOKEN_AUTH_METHODS = ["none", "client_secret_basic", "private_key_jwt"]


def endpoints() -> dict:
    base = issuer()
    return {
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "jwks_uri": f"{base}/oauth/jwks",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
    }


def authorization_server_metadata() -> dict:
    """RFC 8414 (with RFC 9207's ``authorization_response_iss_parameter_supported``)."""
    return {
        "issuer": issuer(),
        **endpoints(),
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "introspection_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "private_key_jwt",
        ],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["fr", "en"],
        "service_documentation": f"{issuer()}/",
        # Not standard, but useful to a developer: what each scope means.
        "scope_descriptions": {scope.value: SCOPE_LABELS_EN[scope] for scope in Scope},
    }


def openid_configuration() -> dict:
    return {
        **authorization_server_metadata(),
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": list(keys.ID_TOKEN_ALGS),
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "fhirUser",
        ],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


def smart_configuration() -> dict:
    """SMART App Launch v2 ``.well-known/smart-configuration`` (all required fields)."""
    return {
        "issuer": issuer(),
        "jwks_uri": endpoints()["jwks_uri"],
        "authorization_endpoint": endpoints()["authorization_endpoint"],
        "token_endpoint": endpoints()["token_endpoint"],
        "revocation_endpoint": endpoints()["revocation_endpoint"],
        "introspection_endpoint": endpoints()["introspection_endpoint"],
        "userinfo_endpoint": endpoints()["userinfo_endpoint"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "capabilities": SMART_CAPABILITIES,
        "code_challenge_methods_supported": ["S256"],
        "fhir_base_url": fhir_base_url(),
    }


def smart_oauth_uris_extension() -> dict:
    """The ``oauth-uris`` extension older SMART clients read in ``/fhir/metadata``
    (for the CapabilityStatement's ``rest[0].security``)."""
    ends = endpoints()
    return {
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [
            {"url": "authorize", "valueUri": ends["authorization_endpoint"]},
            {"url": "token", "valueUri": ends["token_endpoint"]},
            {"url": "revoke", "valueUri": ends["revocation_endpoint"]},
            {"url": "introspect", "valueUri": ends["introspection_endpoint"]},
        ],
    }
