import pytest

from ens_core.accounts import policies
from ens_core.accounts.models import Role
from tests.factories import PASSWORD, make_user
from tests.helpers import login

PORTALS = {
    "/espace": Role.CITIZEN,
    "/editeur": Role.EDITOR,
    "/agent": Role.AGENT,
    "/commission": Role.COMMISSIONER,
}


@pytest.mark.parametrize("path", PORTALS)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path,role", PORTALS.items())
def test_each_portal_opens_for_its_role_only(app, app_ctx, path, role):
    for other in Role:
        if other in (role, Role.ADMIN):
            continue
        client = app.test_client()
        login(client, make_user(other).email, PASSWORD)
        assert client.get(path).status_code == 403, (path, other)
    client = app.test_client()
    login(client, make_user(role).email, PASSWORD)
    assert client.get(path).status_code == 200


def test_forbidden_page_is_explained(client, app_ctx):
    user = make_user(Role.CITIZEN)
    login(client, user.email, PASSWORD)
    body = client.get("/agent").get_data(as_text=True)
    assert "Accès refusé" in body


def test_a_person_may_hold_several_roles(app_ctx):
    user = make_user(Role.CITIZEN, Role.COMMISSIONER)
    assert policies.can_use_health_space(user)
    assert policies.can_use_commission_portal(user)
    assert not policies.can_use_editor_portal(user)


def test_policies_deny_anonymous_and_inactive_users(app_ctx):
    from flask_login import AnonymousUserMixin

    assert not policies.can_use_health_space(AnonymousUserMixin())
    assert not policies.can_use_agent_portal(None)
    user = make_user(Role.ADMIN)
    user.is_active_account = False
    assert not policies.can_administer(user)
