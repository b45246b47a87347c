"""Two editors sending the same SIREN, or the same service slug, at the same instant get
the form's message, never a 500 — against a live server, on SQLite and on PostgreSQL
(``ENS_TEST_DATABASE_URL``).

Both requests are held right after their "is it taken?" check until the other has made
it too (a barrier), so that on PostgreSQL both pass the check and the unique constraint
decides. On SQLite writers queue from their first statement: the barrier times out and
the second request's check sees the first one's row."""

from __future__ import annotations

import contextlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from catalogue.editor import services
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.catalogue.editor.test_views import FORM
from tests.factories import PASSWORD, make_organisation, make_user

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIREN = "732829320"


@pytest.fixture
def held_after_check(monkeypatch):
    """Each "taken?" check waits (at most 2 s) for the other request's check."""
    barrier = threading.Barrier(2, timeout=2)

    def hold(check):
        def held(*args, **kwargs):
            taken = check(*args, **kwargs)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            return taken

        return held

    monkeypatch.setattr(services, "_siren_taken", hold(services._siren_taken))
    monkeypatch.setattr(services, "_slug_taken", hold(services._slug_taken))


def _editors(app, n=2):
    with app.app_context():
        people = []
        for i in range(n):
            editor = make_user(Role.EDITOR)
            org = make_organisation(editor, legal_name=f"Course {i}", country="DE")
            people.append((editor.email, org.id))
        db.session.commit()
        return people


@pytest.fixture
def opened():
    """Browsers opened by the test, closed at its end."""
    sessions: list[requests.Session] = []
    yield sessions
    for browser in sessions:
        browser.close()


def _browser(base: str, email: str, opened: list) -> requests.Session:
    browser = requests.Session()
    opened.append(browser)
    token = _CSRF.search(browser.get(f"{base}/login").text).group(1)
    answer = browser.post(
        f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert answer.ok
    return browser


def _post(browser: requests.Session, form_url: str, url: str, data: dict) -> requests.Response:
    token = _CSRF.search(browser.get(form_url).text).group(1)
    return browser.post(url, data={"csrf_token": token, **data})


def _at_once(calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def test_same_siren_at_once_answers_the_form_message(app, live_server, held_after_check, opened):
    people = _editors(app)

    def send(email, org_id):
        browser = _browser(live_server, email, opened)
        url = f"{live_server}/editeur/organisations/{org_id}/modifier"
        form = {
            "legal_name": f"Org {org_id}",
            "siren": SIREN,
            "country": "FR",
            "address": "12 rue des Lilas, 69003 Lyon",
            "contact_name": "Élise Fournier",
            "contact_email": email,
        }
        return lambda: _post(browser, url, url, form)

    answers = _at_once([send(email, org) for email, org in people])
    assert sorted(a.status_code for a in answers) == [200, 400]  # 200: after the redirect
    refused = next(a for a in answers if a.status_code == 400)
    assert "déjà inscrite avec ce SIREN" in refused.text


def test_same_slug_at_once_answers_the_form_message(app, live_server, held_after_check, opened):
    people = _editors(app)

    def send(email, org_id):
        browser = _browser(live_server, email, opened)
        url = f"{live_server}/editeur/services/nouveau"
        form = {**FORM, "slug": "course-au-slug", "organisation_id": str(org_id)}
        return lambda: _post(browser, url, url, form)

    answers = _at_once([send(email, org) for email, org in people])
    assert sorted(a.status_code for a in answers) == [201, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "déjà pris" in refused.text
