"""The FHIR resource protector: JWT checks, live grant/client/service checks, scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from joserfc import jwt as jose_jwt

from authz import keys
from authz.models import ClientKind
from authz.services import revoke_grant, set_service_clients_enabled
from authz.tokens import pairwise_id
from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.fhir.access import AccessContext, require_scope
from tests.authz.support import fhir_token
from tests.factories import make_service, make_user


@require_scope("Observation", "read")
def _read_observations():
    return {"ok": True}


@require_scope("Observation", "create")
def _create_observation():
    return {"ok": True}


def _call(app, view, token=None, header=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if header:
        headers["Authorization"] = header
    with app.test_request_context("/fhir/Observation", headers=headers):
        result = view()
        context = g.get("authz")
    if isinstance(result, dict):
        return 200, result, context, {}
    return result.status_code, result.get_json(), context, result.headers


@pytest.fixture
def citizen(app_ctx):
    return make_user(Role.CITIZEN)


@pytest.fixture
def service(app_ctx):
    return make_service(status=ServiceStatus.REFERENCED)


def test_valid_token_sets_the_access_context(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs launch/patient")
    status, body, context, _ = _call(app, _read_observations, token)
    assert status == 200 and body == {"ok": True}
    assert isinstance(context, AccessContext)
    assert context.citizen.id == citizen.id
    assert context.service.id == service.id
    assert context.client.kind is ClientKind.PRODUCTION
    assert context.patient_id == pairwise_id(citizen.id, service.id)
    assert context.acting_for is None
    assert "patient/Observation.rs" in context.scopes


def test_missing_token_is_401_with_www_authenticate(app, citizen, service):
    status, body, _, headers = _call(app, _read_observations)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert body["resourceType"] == "OperationOutcome"


def test_garbage_and_foreign_tokens_are_invalid(app, citizen, service):
    status, _body, _, headers = _call(app, _read_observations, "not-a-jwt")
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    assert headers["Content-Type"].startswith("application/fhir+json")
    # A token signed by a key that is not ours.
    from joserfc.jwk import ECKey

    rogue = ECKey.generate_key("P-256", private=True)
    forged = jose_jwt.encode({"alg": "ES256", "typ": "at+jwt"}, {"sub": "x"}, rogue)
    assert _call(app, _read_observations, forged)[0] == 401


def test_id_token_shaped_jwt_signed_with_our_rsa_key_is_refused(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    claims = jose_jwt.decode(token, keys.verification_keys("ES256")).claims
    record = keys.current_key("RS256")
    other = jose_jwt.encode(
        {"alg": "RS256", "typ": "at+jwt", "kid": record.kid}, claims, keys.private_key(record)
    )
    assert _call(app, _read_observations, other)[0] == 401


def test_scope_not_granted_is_403_insufficient_scope(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    status, body, context, headers = _call(app, _create_observation, token)
    assert status == 403
    assert 'error="insufficient_scope"' in headers["WWW-Authenticate"]
    assert "patient/Observation.c" in body["issue"][0]["diagnostics"]
    assert context is None


def test_revoked_grant_is_refused_at_the_next_request(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    assert _call(app, _read_observations, token)[0] == 200
    from authz.consent import grant_of

    revoke_grant(grant_of(citizen, service), reason="citizen")
    assert _call(app, _read_observations, token)[0] == 401


def test_expired_grant_is_refused(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    from authz.consent import grant_of

    grant_of(citizen, service).expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert _call(app, _read_observations, token)[0] == 401


def test_suspended_service_and_disabled_client_are_refused(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    service.status = ServiceStatus.SUSPENDED
    db.session.flush()
    assert _call(app, _read_observations, token)[0] == 401
    service.status = ServiceStatus.REFERENCED
    db.session.flush()
    assert _call(app, _read_observations, token)[0] == 200
    set_service_clients_enabled(service, False)
    assert _call(app, _read_observations, token)[0] == 401


def test_pairwise_ids_differ_between_services_and_are_stable(app_ctx, citizen):
    one, two = make_service(), make_service()
    assert pairwise_id(citizen.id, one.id) == pairwise_id(citizen.id, one.id)
    assert pairwise_id(citizen.id, one.id) != pairwise_id(citizen.id, two.id)


def test_guardian_consent_is_reported_as_acting_for(app, service):
    child, parent = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    token = fhir_token(child, service, "patient/Observation.rs", consented_by=parent)
    _, _, context, _ = _call(app, _read_observations, token)
    assert context.citizen.id == child.id
    assert context.acting_for.id == parent.id


def test_token_of_another_service_cannot_be_replayed_with_a_forged_grant(app, citizen, service):
    other = make_service(status=ServiceStatus.REFERENCED)
    token = fhir_token(citizen, service, "patient/Observation.rs")
    fhir_token(citizen, other, "patient/Observation.rs")
    claims = jose_jwt.decode(token, keys.verification_keys("ES256")).claims
    from authz.consent import grant_of

    claims["grant_id"] = grant_of(citizen, other).id
    record = keys.current_key("ES256")
    swapped = jose_jwt.encode(
        {"alg": "ES256", "typ": "at+jwt", "kid": record.kid}, claims, keys.private_key(record)
    )
    # Even signed by us, a token whose grant does not match its record is refused.
    assert _call(app, _read_observations, swapped)[0] == 401


def test_fhir_token_uses_a_sandbox_client_for_a_synthetic_citizen(app, service):
    synthetic = make_user(Role.CITIZEN, is_synthetic=True)
    token = fhir_token(synthetic, service, "patient/Observation.rs")
    _, _, context, _ = _call(app, _read_observations, token)
    assert context.client.kind is ClientKind.SANDBOX


def test_narrowing_the_grant_narrows_live_tokens(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs patient/Observation.cu")
    assert _call(app, _create_observation, token)[0] == 200
    from authz.consent import grant_of

    grant_of(citizen, service).scopes = "patient/Observation.rs"
    db.session.flush()
    assert _call(app, _create_observation, token)[0] == 403
    assert _call(app, _read_observations, token)[0] == 200


def test_oauth_uris_extension_for_the_capability_statement(app_ctx):
    from authz.discovery import smart_oauth_uris_extension

    extension = smart_oauth_uris_extension()
    assert extension["url"].endswith("/StructureDefinition/oauth-uris")
    urls = {item["url"]: item["valueUri"] for item in extension["extension"]}
    assert urls["authorize"].endswith("/oauth/authorize")
    assert urls["token"].endswith("/oauth/token")


def test_sanction_revoking_every_grant_of_a_service_kills_tokens_at_once(app, citizen, service):
    from authz.services import revoke_service_grants

    token = fhir_token(citizen, service, "patient/Observation.rs")
    other = fhir_token(make_user(Role.CITIZEN), service, "patient/Observation.rs")
    assert revoke_service_grants(service, reason="déréférencement") == 2
    assert _call(app, _read_observations, token)[0] == 401
    assert _call(app, _read_observations, other)[0] == 401
