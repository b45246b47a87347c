"""A real OAuth client (Authlib's OAuth2Session) completes the flow against a live
server: log in, tick the consent form, exchange the code with PKCE, call a protected
endpoint, refresh (rotation), and see the token die the instant the citizen withdraws."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import REDIRECT, public_client, referenced_service
from tests.factories import PASSWORD, make_user

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SCOPE = "launch/patient openid fhirUser patient/Observation.rs offline_access"


def _setup(app):
    with app.app_context():
        service = referenced_service()
        client = public_client(
            service,
            ceiling="patient/Observation.rs openid fhirUser offline_access",
            name="Live client",
        )
        citizen = make_user(Role.CITIZEN, email="camille.live@test.ens")
        db.session.commit()
        return client.client_id, citizen.email


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match
    return match.group(1)


def test_authlib_client_completes_the_flow(app, live_server):
    client_id, email = _setup(app)
    oauth = OAuth2Session(
        client_id,
        scope=SCOPE,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = generate_token(48)
    url, state = oauth.create_authorization_url(
        f"{live_server}/oauth/authorize", code_verifier=verifier, nonce="live-nonce"
    )

    browser = requests.Session()
    login_page = browser.get(f"{live_server}/login", timeout=10)
    browser.post(
        f"{live_server}/login",
        data={"csrf_token": _csrf(login_page.text), "email": email, "password": PASSWORD},
        timeout=10,
    )
    consent_page = browser.get(url, timeout=10)
    assert consent_page.status_code == 200
    scopes = re.findall(r'name="scopes" value="([^"]+)"', consent_page.text)
    assert "patient/Observation.rs" in scopes
    decision = browser.post(
        url,
        data={
            "csrf_token": _csrf(consent_page.text),
            "decision": "allow",
            "scopes": scopes,
            "duration": "long",
            "months": "13",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert decision.status_code == 302
    callback = decision.headers["Location"]
    assert callback.startswith(REDIRECT)
    params = parse_qs(urlsplit(callback).query)
    assert params["state"] == [state]
    assert params["iss"] == [app.config["ENS_ISSUER"]]

    token = oauth.fetch_token(
        f"{live_server}/oauth/token", authorization_response=callback, code_verifier=verifier
    )
    assert token["patient"]
    assert "patient/Observation.rs" in token["scope"]
    assert token["refresh_token"] and token["id_token"]

    userinfo = oauth.get(f"{live_server}/oauth/userinfo", timeout=10)
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == token["patient"]

    refreshed = oauth.refresh_token(f"{live_server}/oauth/token")
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert oauth.get(f"{live_server}/oauth/userinfo", timeout=10).status_code == 200

    # The citizen stops sharing (the old URL leads to the one page): the next call is refused.
    services_page = browser.get(f"{live_server}/oauth/consentements", timeout=10)
    assert services_page.url.endswith("/espace/services")
    stop = re.search(r'href="(/espace/services/\d+/arreter)"', services_page.text).group(1)
    confirm = browser.get(f"{live_server}{stop}", timeout=10)
    browser.post(f"{live_server}{stop}", data={"csrf_token": _csrf(confirm.text)}, timeout=10)
    denied = oauth.get(f"{live_server}/oauth/userinfo", timeout=10)
    assert denied.status_code == 401
    assert 'error="invalid_token"' in denied.headers["WWW-Authenticate"]
