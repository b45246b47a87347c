"""POST /oauth/token with grant_type=refresh_token: rotation and reuse detection."""

from __future__ import annotations

from datetime import timedelta

from authz.consent import grant_of
from authz.models import Token
from authz.services import revoke_grant
from catalogue.models import ServiceStatus
from ens_core.db import db, utcnow
from ens_core.security import hash_secret
from tests.authz.flow import exchange, get_code, refresh
from tests.authz.support import protected_status

SCOPE = "patient/Observation.rs patient/Observation.cu offline_access"



def _tokens(client, public, citizen):
    code, verifier, _ = get_code(client, public, SCOPE, citizen=citizen)
    return exchange(client, public, code, verifier).get_json()


def test_refresh_rotates_the_refresh_token(client, public, citizen):
    first = _tokens(client, public, citizen)
    second = refresh(client, public, first["refresh_token"])
    assert second.status_code == 200
    body = second.get_json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["patient"] == first["patient"]
    assert body["scope"] == first["scope"]
    third = refresh(client, public, body["refresh_token"])
    assert third.status_code == 200


def test_refresh_tokens_are_stored_hashed(client, public, citizen):
    first = _tokens(client, public, citizen)
    record = db.session.query(Token).one()
    assert record.refresh_token_hash == hash_secret(first["refresh_token"])


def test_reusing_a_refresh_token_revokes_the_whole_family(app, client, public, citizen):
    first = _tokens(client, public, citizen)
    second = refresh(client, public, first["refresh_token"]).get_json()
    assert protected_status(app, second["access_token"]) == 200
    replay = refresh(client, public, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"
    # Every token of the family is dead: the new refresh token and the access tokens.
    assert refresh(client, public, second["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert protected_status(app, second["access_token"]) == 401
    assert protected_status(app, first["access_token"]) == 401
    assert all(t.revoked_at is not None for t in db.session.query(Token))


def test_refresh_can_narrow_but_not_widen_scope(client, public, citizen):
    first = _tokens(client, public, citizen)
    narrowed = refresh(client, public, first["refresh_token"], scope="patient/Observation.rs")
    assert narrowed.get_json()["scope"] == "patient/Observation.rs"
    assert "refresh_token" not in narrowed.get_json()  # offline_access was not kept
    widened = refresh(
        client,
        public,
        _tokens(client, public, citizen)["refresh_token"],
        scope="patient/Observation.rs patient/Patient.r",
    )
    assert widened.get_json()["error"] == "invalid_scope"


def test_refresh_after_revoked_grant_is_invalid_grant(client, public, citizen, service):
    first = _tokens(client, public, citizen)
    revoke_grant(grant_of(citizen, service), reason="citizen")
    assert refresh(client, public, first["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_refresh_after_expired_grant_is_invalid_grant(client, public, citizen, service):
    first = _tokens(client, public, citizen)
    grant_of(citizen, service).expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert refresh(client, public, first["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_refresh_for_a_closed_account_is_invalid_grant(app, client, public, citizen):
    first = _tokens(client, public, citizen)
    citizen.is_active_account = False
    db.session.flush()
    assert refresh(client, public, first["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert protected_status(app, first["access_token"]) == 401


def test_refresh_for_a_suspended_service_is_refused(client, public, citizen, service):
    first = _tokens(client, public, citizen)
    service.status = ServiceStatus.SUSPENDED
    db.session.flush()
    response = refresh(client, public, first["refresh_token"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_refresh_token_of_another_client_is_refused(client, public, citizen, service):
    from tests.authz.flow import public_client

    other = public_client(service)
    first = _tokens(client, public, citizen)
    assert refresh(client, other, first["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_refresh_reuse_alerts_the_citizen(client, public, citizen, service):
    from ens_core.notifications.models import Notification

    first = _tokens(client, public, citizen)
    refresh(client, public, first["refresh_token"])
    refresh(client, public, first["refresh_token"])
    (notification,) = (
        db.session.query(Notification).filter_by(user_id=citizen.id, kind="oauth.token_reuse").all()
    )
    assert notification.kind == "oauth.token_reuse"
    assert service.name in notification.title
