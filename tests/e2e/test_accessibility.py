"""Accessibility checked in a real browser: axe-core on the main pages, FR and EN, and
the search form used with the keyboard only.

``PAGES`` is the list of audited paths: a helper who builds a page (the consent screen,
the citizen's dashboard…) adds it with one line, and ``login_as`` when it needs a
signed-in user.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from catalogue.models import DataPurpose, ServiceEventKind, ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.e2e.conftest import run_axe
from tests.factories import (
    PASSWORD,
    make_listed_service,
    make_organisation,
    make_service_event,
    make_user,
)

# (name, path, login_as): login_as is None for public pages, else a Role for a user
# created for the test and signed in first.
PAGES = [
    ("home", "/", None),
    ("catalogue", "/catalogue?q=sante", None),
    ("service", "/catalogue/tension-suivi", None),
    ("suspended-service", "/catalogue/nordic-move", None),
    ("login", "/login", None),
    ("account", "/mon-compte", Role.CITIZEN),
    # Add here, one line each, when they land: the consent screen and the dashboard, e.g.
    # ("consent", "/oauth/authorize?...", Role.CITIZEN), ("dashboard", "/espace", Role.CITIZEN)
]
BLOCKING = ("serious", "critical")


@pytest.fixture
def catalogue_data(app, live_server):
    """A small catalogue, committed for real (the live server runs in another thread)."""
    with app.app_context():
        org = make_organisation(legal_name="Santé Connect SAS")
        service = make_listed_service(
            org,
            name="Tension Suivi",
            slug="tension-suivi",
            short_description="Suivez votre tension artérielle.",
            short_description_en="Track your blood pressure.",
            long_description="Notez vos mesures et partagez-les avec votre médecin.",
            categories=["chronic_disease"],
            ecoscore_grade="A",
            data_uses=[
                ("patient/Observation.rs", DataPurpose.CARE, 365),
                ("patient/Observation.c", DataPurpose.CARE, 365),
            ],
            hosting=["FR"],
        )
        make_service_event(service, ServiceEventKind.REFERENCED, summary="Référencé.")
        make_listed_service(org, name="Journal Santé", slug="journal-sante")
        suspended = make_listed_service(
            name="Nordic Move",
            slug="nordic-move",
            status=ServiceStatus.SUSPENDED,
            status_reason="Hébergement hors de l'Union européenne.",
            hosting=["NO"],
        )
        make_service_event(
            suspended, ServiceEventKind.SUSPENDED, summary="Suspension.", deadline="2027-05-01"
        )
        db.session.commit()
    return live_server


def _login(page, app, role):
    with app.app_context():
        user = make_user(role)
        email = user.email
        db.session.commit()
    page.goto("/login")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.click("main button[type=submit]")


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("name", "path", "login_as"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_accessibility_violation(page, app, catalogue_data, name, path, login_as, lang):
    if login_as is not None:
        _login(page, app, login_as)
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{path}{separator}lang={lang}")
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert urlparse(page.url).path == urlparse(path).path, f"{path}: landed on {page.url}"
    assert page.get_attribute("html", "lang") == lang
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"{name} ({lang}): " + "; ".join(
        f"{v['id']} [{v['impact']}] {v['help']} at {v['nodes']}" for v in violations
    )


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '',
                    text: (el.textContent || '').trim(),
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
        }"""
    )


@pytest.mark.e2e
def test_search_and_filters_work_with_the_keyboard_only(page, catalogue_data):
    page.goto("/catalogue")
    page.focus("#f-q")
    page.keyboard.type("SANTE")
    page.keyboard.press("Enter")  # Enter in the search field submits the form
    page.wait_for_url(re.compile(r"q=SANTE"))
    assert page.locator(".results-list > li").count() == 2

    # Tab from the search field reaches every filter, in reading order, focus visible.
    expected = [
        "f-category",
        "f-reads",
        "f-writes",
        "f-platform",
        "f-price",
        "f-audience",
        "f-sort",
        *[f"f-ecoscore-{g}" for g in "ABCDEFG"],
        "f-accessible",
    ]
    page.focus("#f-q")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"], f"no visible focus on {focused}"
        if focused["id"]:
            seen.append(focused["id"])
        if focused["id"] == "f-accessible":
            break
    assert [i for i in seen if i in expected] == expected

    # Pick écoscore A with the keyboard and apply the filters with Enter.
    page.focus("#f-ecoscore-A")
    page.keyboard.press("Space")
    for _ in range(12):
        page.keyboard.press("Tab")
        if _focused(page)["tag"] == "button":
            break
    assert _focused(page)["tag"] == "button"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"ecoscore=A"))
    assert page.locator(".results-list > li").count() == 1
    assert "tension-suivi" in page.locator(".results-list").inner_html()
