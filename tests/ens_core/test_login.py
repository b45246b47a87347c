from ens_core.accounts.models import Role
from tests.factories import PASSWORD, make_user
from tests.helpers import login, submit

REFUSED = "Adresse électronique ou mot de passe incorrect."


def test_login_with_right_password_opens_account_home(client, app_ctx):
    user = make_user(Role.CITIZEN)
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/mon-compte")
    home = client.get("/mon-compte").get_data(as_text=True)
    assert user.name in home
    assert "Mon espace santé" in home


def test_wrong_password_and_unknown_email_give_the_same_message(client, app_ctx):
    user = make_user(Role.CITIZEN)
    wrong = login(client, user.email, "not-the-password")
    unknown = login(client, "nobody@test.ens", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert REFUSED in wrong.get_data(as_text=True)
    assert REFUSED in unknown.get_data(as_text=True)


def test_invalid_input_is_explained_next_to_the_field(client, app_ctx):
    response = login(client, "not-an-email", "")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in body
    assert 'href="#field-email"' in body
    assert 'aria-invalid="true"' in body


def test_post_without_csrf_token_is_refused(client, app_ctx):
    user = make_user(Role.CITIZEN)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Rechargez la page" in response.get_data(as_text=True)
    assert client.get("/mon-compte").status_code == 302  # still anonymous


def test_next_parameter_only_redirects_within_the_site(client, app_ctx):
    user = make_user(Role.CITIZEN)
    response = submit(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["Location"].endswith("/mon-compte")
    client.post("/logout", data={})  # no token: refused, but harmless
    response = submit(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "/espace"}
    )
    assert response.headers["Location"].endswith("/espace")


def test_session_cookie_is_httponly_and_lax(client, app_ctx):
    user = make_user(Role.CITIZEN)
    response = login(client, user.email, PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("ens_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_requires_post_with_csrf_and_ends_the_session(client, app_ctx):
    user = make_user(Role.CITIZEN)
    login(client, user.email, PASSWORD)
    assert client.get("/logout").status_code == 405
    submit(client, "/logout", {}, form_url="/mon-compte")
    assert client.get("/mon-compte").status_code == 302


def test_password_change_logs_out_other_sessions(client, app, app_ctx):
    from ens_core.accounts.services import change_password

    user = make_user(Role.CITIZEN)
    login(client, user.email, PASSWORD)
    assert client.get("/mon-compte").status_code == 200
    change_password(user, "another-long-passphrase")
    assert client.get("/mon-compte").status_code == 302
