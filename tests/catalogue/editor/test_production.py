"""The editor manages the secret of the production client a referencing decision made."""

import re

from authz.models import AuthMethod, Client, ClientKind
from catalogue.editor import services
from catalogue.models import OrganisationMember
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.security import secret_matches
from tests.factories import PASSWORD, make_organisation, make_referenced_service, make_user
from tests.helpers import csrf_token, login, submit


def _world():
    a = make_user(Role.EDITOR, email="a@editeur.example")
    service_a = make_referenced_service(make_organisation(a, legal_name="Org A"), name="Appli A")
    b = make_user(Role.EDITOR, email="b@editeur.example")
    service_b = make_referenced_service(make_organisation(b, legal_name="Org B"), name="Appli B")
    (prod_a,) = services.production_clients(service_a)
    (prod_b,) = services.production_clients(service_b)
    sandbox_a, _ = services.create_sandbox_client(a, service_a)
    db.session.commit()
    return a, service_a, prod_a, sandbox_a, service_b, prod_b


def test_production_clients_are_listed_read_only(client, app_ctx):
    a, service_a, prod_a, _, _, _ = _world()
    login(client, a.email, PASSWORD)
    page = client.get(f"/editeur/services/{service_a.id}")
    assert f"/editeur/services/{service_a.id}/production" in page.get_data(as_text=True)
    response = client.get(f"/editeur/services/{service_a.id}/production")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert prod_a.client_id in body
    assert "<code>patient/Observation.rs</code>" in body
    assert "<code>https://app.example/cb</code>" in body
    # read-only: no form edits the ceiling or the redirect URIs
    assert 'name="redirect_uris"' not in body and 'name="scope' not in body


def test_regenerating_the_production_secret_shows_it_once(client, app_ctx):
    a, service_a, prod_a, sandbox_a, _, _ = _world()
    old_hash = prod_a.secret_hash
    sandbox_hash = sandbox_a.secret_hash
    login(client, a.email, PASSWORD)
    url = f"/editeur/services/{service_a.id}/production"
    response = submit(client, f"{url}/{prod_a.id}/secret", {}, form_url=url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="client-secret">([^<]+)</code>', response.get_data(as_text=True))
    db.session.expire_all()
    client_row = db.session.get(Client, prod_a.id)
    assert secret and secret_matches(secret.group(1), client_row.secret_hash)
    assert client_row.secret_hash != old_hash and secret.group(1) not in client_row.secret_hash
    assert db.session.get(Client, sandbox_a.id).secret_hash == sandbox_hash
    again = client.get(url).get_data(as_text=True)
    assert secret.group(1) not in again and 'id="client-secret"' not in again


def test_production_secret_is_rotated_through_authz(app_ctx):
    a, _, prod_a, _, _, _ = _world()
    first = services.regenerate_secret(a, prod_a)
    second = services.regenerate_secret(a, prod_a)
    assert not secret_matches(first, prod_a.secret_hash)
    assert secret_matches(second, prod_a.secret_hash)


def test_no_idor_on_production_clients(client, app_ctx):
    a, service_a, prod_a, sandbox_a, service_b, prod_b = _world()
    hashes = {c.id: c.secret_hash for c in (prod_a, sandbox_a, prod_b)}
    login(client, a.email, PASSWORD)
    token = csrf_token(client, f"/editeur/services/{service_a.id}/production")
    # another organisation's service and client
    assert client.get(f"/editeur/services/{service_b.id}/production").status_code == 404
    for url in (
        f"/editeur/services/{service_b.id}/production/{prod_b.id}/secret",
        f"/editeur/services/{service_a.id}/production/{prod_b.id}/secret",
        f"/editeur/services/{service_a.id}/production/{sandbox_a.id}/secret",
        f"/editeur/services/{service_a.id}/production/999999/secret",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    # without the CSRF token nothing happens either
    assert (
        client.post(f"/editeur/services/{service_a.id}/production/{prod_a.id}/secret").status_code
        == 400
    )
    db.session.expire_all()
    assert {c: db.session.get(Client, c).secret_hash for c in hashes} == hashes


def test_a_public_production_client_has_no_secret(client, app_ctx):
    a, service_a, prod_a, _, _, _ = _world()
    prod_a.token_endpoint_auth_method = AuthMethod.NONE
    prod_a.secret_hash = None
    db.session.commit()
    login(client, a.email, PASSWORD)
    url = f"/editeur/services/{service_a.id}/production"
    body = client.get(url).get_data(as_text=True)
    assert "public (PKCE, sans secret)" in body and "/secret" not in body
    response = submit(client, f"{url}/{prod_a.id}/secret", {}, form_url=url)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Client, prod_a.id).secret_hash is None
    assert db.session.get(Client, prod_a.id).kind is ClientKind.PRODUCTION


def test_a_member_who_left_loses_access(client, app_ctx):
    a, service_a, _, _, _, _ = _world()
    db.session.query(OrganisationMember).filter_by(user_id=a.id).delete()
    db.session.commit()
    login(client, a.email, PASSWORD)
    assert client.get(f"/editeur/services/{service_a.id}/production").status_code == 404
