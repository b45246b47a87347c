"""The citizen's list of authorised services and withdrawal of consent."""

from __future__ import annotations

from authz.consent import grant_of
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import exchange, get_code, login_citizen
from tests.authz.support import protected_status
from tests.factories import make_user
from tests.helpers import csrf_token


def test_withdrawing_kills_the_token_at_once(app, client, public, citizen, service):
    code, verifier, _ = get_code(client, public, "patient/Observation.rs", citizen=citizen)
    token = exchange(client, public, code, verifier).get_json()["access_token"]
    assert protected_status(app, token) == 200
    page = client.get("/oauth/consentements").get_data(as_text=True)
    assert service.name in page
    grant = grant_of(citizen, service)
    response = client.post(
        f"/oauth/consentements/{grant.id}/retirer",
        data={"csrf_token": csrf_token(client, "/oauth/consentements")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert grant_of(citizen, service).revoked_at is not None
    assert protected_status(app, token) == 401


def test_another_citizen_cannot_withdraw(client, public, citizen, service):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    grant = grant_of(citizen, service)
    with client.session_transaction() as session:
        session.clear()
    login_citizen(client, make_user(Role.CITIZEN))
    response = client.post(
        f"/oauth/consentements/{grant.id}/retirer",
        data={"csrf_token": csrf_token(client, "/oauth/consentements")},
    )
    assert response.status_code == 404
    assert grant_of(citizen, service).revoked_at is None
    assert service.name not in client.get("/oauth/consentements").get_data(as_text=True)


def test_withdrawal_needs_csrf(client, public, citizen, service):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    grant = grant_of(citizen, service)
    assert client.post(f"/oauth/consentements/{grant.id}/retirer").status_code == 400
    assert grant_of(citizen, service).revoked_at is None
