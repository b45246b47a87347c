"""GET /oauth/jwks, key storage and rotation (``ens keys rotate``)."""

from __future__ import annotations

from datetime import timedelta

from authz import keys
from authz.models import SigningKey
from ens_core.db import db, utcnow
from tests.authz.support import fhir_token, protected_status


def test_jwks_publishes_public_keys_only(client, app_ctx):
    response = client.get("/oauth/jwks")
    assert response.status_code == 200
    published = response.get_json()["keys"]
    assert {k["alg"] for k in published} >= {"ES256", "RS256"}
    for key in published:
        assert key["kid"] and key["use"] == "sig"
        assert "d" not in key and "p" not in key and "q" not in key


def test_private_keys_are_encrypted_at_rest(app_ctx):
    record = keys.current_key("ES256")
    assert "PRIVATE KEY" not in record.private_key_encrypted
    assert record.kid not in repr(record) or "PRIVATE" not in repr(record)
    assert "d" not in record.public_jwk


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(app, citizen, service):
    old_token = fhir_token(citizen, service, "patient/Observation.rs")
    old_kid = keys.current_key("ES256").kid
    created = keys.rotate_keys()
    assert {r.alg for r in created} == {"ES256", "RS256"}
    new_kid = keys.current_key("ES256").kid
    assert new_kid != old_kid
    published = {k["kid"] for k in keys.jwks()["keys"]}
    assert {old_kid, new_kid} <= published
    assert protected_status(app, old_token) == 200
    new_token = fhir_token(citizen, service, "patient/Observation.rs")
    from joserfc import jws

    assert jws.extract_compact(new_token.encode()).headers()["kid"] == new_kid
    assert protected_status(app, new_token) == 200


def test_retired_keys_leave_the_jwks_after_the_retention_time(app, citizen, service):
    token = fhir_token(citizen, service, "patient/Observation.rs")
    old_kid = keys.current_key("ES256").kid
    keys.rotate_keys()
    record = db.session.query(SigningKey).filter_by(kid=old_kid).one()
    record.retired_at = utcnow() - timedelta(hours=2)
    db.session.flush()
    assert old_kid not in {k["kid"] for k in keys.jwks()["keys"]}
    assert protected_status(app, token) == 401


def test_cli_rotate(app):
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "New ES256 key: kid=" in result.output
        assert "PRIVATE" not in result.output
        listing = runner.invoke(args=["keys", "list"])
        assert "active" in listing.output


def test_key_encrypted_under_another_secret_is_replaced_not_fatal(app, app_ctx):
    record = keys.current_key("ES256")
    with app.test_request_context():
        app.config["ENS_KEY_ENCRYPTION_KEY"] = "another-deployment-secret"
        try:
            keys._private_cache.pop(record.kid, None)
            fresh = keys.current_key("ES256")
        finally:
            del app.config["ENS_KEY_ENCRYPTION_KEY"]
    assert fresh.kid != record.kid
    assert record.retired_at is not None
