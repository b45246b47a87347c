"""Ending a connection: one page (Mon espace › Services connectés); the old list redirects
there; a withdrawal ends every token and joins the consent history."""

from __future__ import annotations

from authz.consent import grant_of, receipts_of
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import exchange, get_code, login_citizen
from tests.authz.support import protected_status
from tests.factories import make_user
from tests.helpers import csrf_token


def test_the_old_list_redirects_to_the_one_page(client, citizen):
    login_citizen(client, citizen)
    response = client.get("/oauth/consentements")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].endswith("/espace/services")


def test_stopping_kills_the_token_at_once_and_is_in_the_history(
    app, client, public, citizen, service
):
    code, verifier, _ = get_code(client, public, "patient/Observation.rs", citizen=citizen)
    token = exchange(client, public, code, verifier).get_json()["access_token"]
    assert protected_status(app, token) == 200
    assert service.name in client.get("/espace/services").get_data(as_text=True)
    grant = grant_of(citizen, service)
    stop = f"/espace/services/{grant.id}/arreter"
    response = client.post(stop, data={"csrf_token": csrf_token(client, stop)})
    assert response.status_code == 302
    db.session.expire_all()
    assert grant_of(citizen, service).revoked_at is not None
    assert protected_status(app, token) == 401
    assert [r.document["event"] for r in receipts_of(citizen)] == ["withdrawn", "granted"]


def test_another_citizen_cannot_stop(client, public, citizen, service):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    grant = grant_of(citizen, service)
    with client.session_transaction() as session:
        session.clear()
    login_citizen(client, make_user(Role.CITIZEN))
    stop = f"/espace/services/{grant.id}/arreter"
    assert client.get(stop).status_code == 404
    token = csrf_token(client, "/espace/services")
    assert client.post(stop, data={"csrf_token": token}).status_code == 404
    assert grant_of(citizen, service).revoked_at is None
    assert service.name not in client.get("/espace/services").get_data(as_text=True)


def test_stopping_needs_csrf(client, public, citizen, service):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    grant = grant_of(citizen, service)
    assert client.post(f"/espace/services/{grant.id}/arreter").status_code == 400
    assert grant_of(citizen, service).revoked_at is None
