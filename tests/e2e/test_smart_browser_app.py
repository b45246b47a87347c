"""A browser SMART on FHIR app on another origin uses ENS through CORS, in Chromium.

``smart_app/`` is a static page (HTML + JavaScript, no library) served on its own loopback
port, as a SMART app's host would serve it. Launched with ``iss`` and ``client_id``, it
reads the SMART configuration with ``fetch``, sends the citizen to the authorize endpoint
with a PKCE S256 challenge, and back on its redirect URI exchanges the code at the token
endpoint and reads the citizen's Observations — every call cross-origin. The citizen signs
in and consents in the same browser. An app on an origin no client registered cannot even
read the configuration.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import public_client, referenced_service
from tests.e2e.conftest import new_context
from tests.factories import PASSWORD, make_measurement, make_user
from tests.serving import running

APP_DIR = Path(__file__).parent / "smart_app"
SCOPES = "launch/patient openid fhirUser patient/Observation.rs"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def static_site() -> Iterator[str]:
    """``smart_app/`` served on a free loopback port (another origin than ENS)."""
    handler = functools.partial(_QuietHandler, directory=str(APP_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    try:
        with running(server) as url:
            yield url
    finally:
        server.server_close()


@pytest.fixture(scope="module")
def issuer(app, live_server):
    """The live server as the issuer: discovery and tokens name its own URLs."""
    previous = app.config["ENS_ISSUER"]
    app.config["ENS_ISSUER"] = live_server
    yield live_server
    app.config["ENS_ISSUER"] = previous


@pytest.fixture(scope="module")
def smart_app():
    with static_site() as url:
        yield url


@pytest.fixture(scope="module")
def registered(app, issuer, smart_app):
    """A referenced service whose public client registered the app's page as redirect URI,
    and a citizen with one measurement."""
    with app.app_context():
        service = referenced_service()
        client = public_client(service, ceiling=SCOPES, redirect=f"{smart_app}/index.html")
        citizen = make_user(Role.CITIZEN, email="camille.smart@test.ens", name="Camille Smart")
        make_measurement(citizen, "29463-7", 71.5)
        db.session.commit()
        return {"client_id": client.client_id, "email": citizen.email}


def _launch_url(app_url: str, issuer: str, client_id: str) -> str:
    return f"{app_url}/index.html?" + urlencode({"iss": f"{issuer}/fhir", "client_id": client_id})


def test_browser_app_launches_gets_consent_token_and_reads_data(
    browser, issuer, smart_app, registered
):
    context = new_context(browser, issuer)
    page = context.new_page()
    try:
        page.goto(_launch_url(smart_app, issuer, registered["client_id"]))
        page.wait_for_url(lambda url: urlparse(url).path == "/login")
        page.fill("#field-email", registered["email"])
        page.fill("#field-password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: urlparse(url).path == "/oauth/authorize")
        page.click("button[name=decision][value=allow]")
        page.wait_for_url(lambda url: url.startswith(smart_app))
        page.wait_for_function(
            "() => !['démarrage', 'redirection'].includes("
            "document.getElementById('status').textContent)"
        )
        assert page.text_content("#status") == "terminé", page.text_content("#status")
        result = json.loads(page.text_content("#result"))
    finally:
        context.close()
    assert result["patient"]
    assert result["cors"] is True
    assert result["total"] == 1 and result["value"] == 71.5
    assert result["readStatus"] == 200 and result["etag"]  # an exposed header
    assert "patient/Observation.rs" in result["scope"]


def test_app_on_an_unregistered_origin_is_blocked_by_the_browser(browser, issuer, registered):
    with static_site() as other_app:  # same page, an origin no client registered
        context = new_context(browser, issuer)
        page = context.new_page()
        try:
            page.goto(_launch_url(other_app, issuer, registered["client_id"]))
            page.wait_for_function(
                "() => document.getElementById('status').textContent.startsWith('erreur')"
            )
            assert "Failed to fetch" in page.text_content("#status")
        finally:
            context.close()
