"""Accessibility checked in a real browser: axe-core on the main pages, FR and EN, with
their reflow at 320 px, and the search form and the consent screen used with the keyboard
only.

``PAGES`` is the list of audited paths: a new page is one line, with ``login_as`` when it
needs a signed-in user. The data is seeded once per module and every page reuses it; each
role signs in once and its session cookie is reused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest

from authz.conformance import services as conformance
from authz.conformance.models import ConformanceEvent
from authz.consent import record_consent
from catalogue.editor.services import SERVICE_FIELDS, update_service
from catalogue.models import DataPurpose, ServiceEventKind, ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health.access_log import record_access
from ens_core.health.models import AbuseCategory
from ens_core.health.services import file_abuse_report
from ens_core.notifications.services import notify
from review.commission import services as commission
from review.commission.models import College
from review.dossiers.conformance import attach_conformance_run
from review.dossiers.lifecycle import transition
from review.dossiers.models import DossierState as S
from review.dossiers.models import Verdict
from review.dossiers.services import criteria_of, save_evaluations
from tests.authz.flow import authorize_path, pkce, public_client
from tests.authz.support import client_for
from tests.e2e.conftest import AXE, new_context, run_axe
from tests.factories import (
    PASSWORD,
    complete_dossier,
    make_commission_session,
    make_document,
    make_dossier,
    make_double_evaluated_dossier,
    make_evaluated_dossier,
    make_listed_service,
    make_measurement,
    make_member,
    make_organisation,
    make_service,
    make_service_event,
    make_suspended_service,
    make_user,
)
from tests.review.timelines.support import make_decided_dossier

# (name, path, login_as): login_as is None for public pages, else the Role of the user the
# seeded data signs in first. ``{...}`` in a path is filled from the seeded data.
PAGES = [
    ("home", "/", None),
    ("catalogue", "/catalogue?q=sante", None),
    ("service", "/catalogue/tension-suivi", None),
    ("suspended-service", "/catalogue/nordic-move", None),
    ("login", "/login", None),
    ("forgot-password", "/mot-de-passe-oublie", None),
    ("sign-in-link", "/connexion/lien", None),
    ("account", "/mon-compte", Role.CITIZEN),
    ("consent", "{consent_path}", Role.CITIZEN),
    ("dashboard", "/espace", Role.CITIZEN),
    ("connected-services", "/espace/services", Role.CITIZEN),
    ("history", "/espace/historique", Role.CITIZEN),
    ("my-data", "/espace/donnees", Role.CITIZEN),
    ("download", "/espace/telecharger", Role.CITIZEN),
    ("notifications", "/espace/notifications", Role.CITIZEN),
    ("report-abuse", "/espace/signaler", Role.CITIZEN),
    ("editor-home", "/editeur", Role.EDITOR),
    ("editor-service", "/editeur/services/{editor_service_id}", Role.EDITOR),
    ("editor-sandbox", "/editeur/services/{editor_service_id}/bac-a-sable", Role.EDITOR),
    ("editor-conformance-run", "{conformance_run_path}", Role.EDITOR),
    ("editor-dossier-conformance", "/editeur/dossiers/{conformance_dossier_id}", Role.EDITOR),
    ("agent-home", "/agent", Role.AGENT),
    (
        "agent-evaluation-conformance",
        "/agent/dossiers/{conformance_dossier_id}/evaluation/security",
        Role.AGENT,
    ),
    ("agent-dossiers", "/agent/dossiers", Role.AGENT),
    ("agent-double-dossier", "/agent/dossiers/{double_dossier_id}", Role.AGENT),
    ("agent-double-area", "/agent/dossiers/{double_dossier_id}/evaluation/security", Role.AGENT),
    ("agent-divergences", "/agent/dossiers/{double_dossier_id}/divergences", Role.AGENT),
    ("agent-quality", "/agent/qualite", Role.AGENT),
    ("commission-home", "/commission", Role.COMMISSIONER),
    ("commission-session", "/commission/seances/{session_id}", Role.COMMISSIONER),
    ("commission-item", "/commission/points/{item_id}", Role.COMMISSIONER),
    ("commission-dossier", "/commission/points/{item_id}/dossier", Role.COMMISSIONER),
    ("commission-vote", "/commission/points/{item_id}/vote", Role.COMMISSIONER),
    ("commission-recusal", "/commission/points/{item_id}/deport", Role.COMMISSIONER),
    ("agent-commission-session", "/agent/commission/seances/{session_id}", Role.AGENT),
    ("statistics", "/statistiques", None),
    ("service-timeline", "/catalogue/cardio-plus", None),
    ("editor-service-edit", "/editeur/services/{editor_service_id}/modifier", Role.EDITOR),
    ("agent-surveillance", "/agent/surveillance", Role.AGENT),
    ("agent-listing-change", "/agent/surveillance/fiches/{listing_change_id}", Role.AGENT),
    ("accessibility", "/accessibilite", None),
    ("contact", "/contact", None),
    ("legal-notice", "/mentions-legales", None),
    ("personal-data", "/donnees-personnelles", None),
    ("cookies", "/cookies", None),
    (
        "editor-secret-confirm",
        "/editeur/services/{editor_service_id}/bac-a-sable/secret",
        Role.EDITOR,
    ),
    ("editor-dossier", "/editeur/dossiers/{editor_dossier_id}", Role.EDITOR),
    ("editor-answers", "/editeur/dossiers/{editor_dossier_id}/reponses/security", Role.EDITOR),
    ("editor-withdraw-confirm", "/editeur/dossiers/{editor_dossier_id}/retirer", Role.EDITOR),
]
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 720}
CONSENT_SCOPES = "openid fhirUser offline_access patient/Observation.rs patient/Observation.cu"


@pytest.fixture(scope="module")
def catalogue_data(app, live_server):
    """A small catalogue and one user per portal, committed for real once per module (the
    live server runs in another thread) and shared by every page."""
    with app.app_context():
        users = {
            role: make_user(role, name=f"{role.value.title()} Test")
            for role in (Role.CITIZEN, Role.EDITOR, Role.AGENT, Role.COMMISSIONER)
        }
        org = make_organisation(users[Role.EDITOR], legal_name="Santé Connect SAS")
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
                ("patient/Observation.cu", DataPurpose.CARE, 365),
            ],
            hosting=["FR"],
        )
        make_service_event(service, ServiceEventKind.REFERENCED, summary="Référencé.")
        journal = make_listed_service(org, name="Journal Santé", slug="journal-sante")
        make_suspended_service(
            "Hébergement hors de l'Union européenne.", summary="Suspension.", deadline="2027-05-01"
        )
        # The consent screen: a production client of a referenced service.
        consent_client = public_client(service, ceiling=CONSENT_SCOPES)
        _verifier, challenge = pkce()
        # The citizen's space: a grant, measurements, a document, an access-log entry,
        # a notification and an abuse report.
        citizen = users[Role.CITIZEN]
        journal_client = client_for(journal, sandbox=False, scopes="patient/Observation.rs")
        record_consent(citizen, journal, journal_client, ["patient/Observation.rs"])
        for day, (weight, systolic) in enumerate([(71.0, 128), (70.4, 125), (69.8, 121)]):
            at = datetime(2026, 3, 1 + day, 8, 0, tzinfo=UTC)
            make_measurement(citizen, value=weight, at=at, service=journal)
            make_measurement(citizen, "85354-9", systolic, value2=80, at=at, service=journal)
        make_document(citizen, "Compte rendu de consultation", service=journal)
        record_access(
            citizen,
            interaction="search-type",
            resource_type="Observation",
            service=journal,
            client=journal_client,
        )
        notify(citizen, "new_connection", "Journal Santé est connecté", "Lecture des mesures.")
        file_abuse_report(
            citizen, journal, AbuseCategory.ADVERTISING, "Publicité dans l'application."
        )
        # The portals: a dossier for the agents, a planned session for the commission whose
        # vote is open on a dossier answered criterion by criterion, with evidence.
        editor_dossier = make_evaluated_dossier(
            make_service(org, name="Glyco Carnet"), actor=users[Role.AGENT]
        )
        client_for(service, sandbox=True, scopes="patient/Observation.rs")
        # Double evaluation: two divergences await the agent (the lead) on Mind Balance.
        double_dossier = make_double_evaluated_dossier(
            users[Role.AGENT],
            make_user(Role.AGENT, name="Second Évaluateur"),
            {"SEC-02": Verdict.NON_COMPLIANT, "ETH-01": Verdict.NOT_APPLICABLE},
            service=make_service(org, name="Mind Balance"),
        )
        run, dossier = _conformance_run(service, users[Role.EDITOR], users[Role.AGENT])
        member = make_member(College.CO_CHAIR, user=users[Role.COMMISSIONER])
        session, item = _open_agenda_item(org, member, users[Role.AGENT])
        # A decided dossier with its clock (public timeline, /statistiques), and a change
        # to a published listing waiting for an agent.
        timed, _dossier = make_decided_dossier()
        timed.status = ServiceStatus.REFERENCED
        proposal = update_service(
            users[Role.EDITOR],
            service,
            {**{k: getattr(service, k) for k in SERVICE_FIELDS}, "name": "Tension Suivi Plus"},
        ).proposal
        seed = {
            "session_id": session.id,
            "item_id": item.id,
            "emails": {role: user.email for role, user in users.items()},
            "consent_path": authorize_path(consent_client.client_id, CONSENT_SCOPES, challenge),
            "editor_service_id": service.id,
            "double_dossier_id": double_dossier.id,
            "listing_change_id": proposal.id,
            "conformance_run_path": f"/editeur/services/{service.id}/bac-a-sable/essais/{run.id}",
            "conformance_dossier_id": dossier.id,
            "editor_dossier_id": editor_dossier.id,
        }
        db.session.commit()
    return seed


def _open_agenda_item(org, member, agent):
    """A session with one item, its vote open: the dossier is complete and evaluated."""
    dossier = complete_dossier(make_dossier(make_service(org, name="MamaCare"), editor=None))
    for state in (S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION):
        transition(dossier, state, actor=agent)
    verdicts = {c.code: (Verdict.COMPLIANT, "Conforme.") for c in criteria_of(dossier)}
    save_evaluations(agent, dossier, verdicts)
    transition(dossier, S.EVALUATED, actor=agent)
    session = make_commission_session(member, agent=agent)
    item = commission.put_on_agenda(agent, session, dossier)
    commission.record_attendance(agent, session, {member.id})
    commission.open_deliberation(agent, item)
    return session, item
def _conformance_run(service, editor, agent):
    """A finished sandbox conformance run of ``service``, attached to an evaluated dossier."""
    sandbox = client_for(service, sandbox=True, scopes="patient/Observation.rs")
    run = conformance.start_run(editor, sandbox, declared_scopes=["patient/Observation.rs"])
    db.session.add(
        ConformanceEvent(
            run_id=run.id,
            kind="fhir",
            method="GET",
            path="/fhir/Observation",
            query={"_count": "10", "access_token": "[masqué]"},
            status=200,
            details={"search": True, "count": 10, "secret_in_query": True},
        )
    )
    conformance.stop_run(editor, run)
    dossier = make_evaluated_dossier(service, actor=agent)
    attach_conformance_run(editor, dossier, run.id)
    return run, dossier


@pytest.fixture(scope="module")
def tab_of(browser, live_server, catalogue_data):
    """One browser tab per role (None: anonymous) for the whole module, signed in once
    through /login, with axe-core loaded on every page it opens."""
    contexts, tabs = [], {}

    def tab(role):
        if role not in tabs:
            context = new_context(browser, live_server)
            context.add_init_script(path=str(AXE))
            contexts.append(context)
            page = context.new_page()
            if role is not None:
                page.goto("/login")
                page.fill("#field-email", catalogue_data["emails"][role])
                page.fill("#field-password", PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_url(lambda url: urlparse(url).path != "/login")
            tabs[role] = page
        return tabs[role]

    yield tab
    for context in contexts:
        context.close()


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("name", "path", "login_as"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_accessibility_violation(tab_of, catalogue_data, name, path, login_as, lang):
    path = path.format(**catalogue_data)
    page = tab_of(login_as)
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{path}{separator}lang={lang}")
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert urlparse(page.url).path == urlparse(path).path, f"{path}: landed on {page.url}"
    assert page.get_attribute("html", "lang") == lang
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"{name} ({lang}): " + "; ".join(
        f"{v['id']} [{v['impact']}] {v['help']} at {v['nodes']}" for v in violations
    )
    # Reflow (WCAG 1.4.10): at 320 CSS px wide (400 % zoom) nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name} ({lang}): scrolls {overflow}px sideways at 320 px wide"


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


@pytest.mark.e2e
def test_consent_screen_works_with_the_keyboard_only(tab_of, catalogue_data):
    page = tab_of(Role.CITIZEN)
    page.goto(catalogue_data["consent_path"] + "&lang=fr")
    boxes = page.eval_on_selector_all("main input[type=checkbox]", "els => els.map(e => e.id)")
    assert len(boxes) >= 2

    # The first Tab reaches the skip link; following it lands in the main content.
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Aller au contenu principal"
    page.keyboard.press("Enter")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"], f"no visible focus on {focused}"
        seen.append(focused["id"] or focused["text"])
        if focused["text"] == "Autoriser":
            break
    # Every data box, then the chosen duration and its limit, then the decision.
    expected = [*boxes, "duration-long", "field-months", "Autoriser"]
    assert [s for s in seen if s in expected] == expected

    # Space unticks a box: the citizen shares less without a mouse.
    page.focus(f"#{boxes[-1]}")
    page.keyboard.press("Space")
    assert not page.is_checked(f"#{boxes[-1]}")


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_vote_recap_page_is_accessible_and_stores_nothing(tab_of, catalogue_data, lang):
    """The recap page answers a POST: reach it through the form, then audit it."""
    page = tab_of(Role.COMMISSIONER)
    page.goto(f"/commission/points/{catalogue_data['item_id']}/vote?lang={lang}")
    page.check("#choice-favourable_non_suspensive")
    page.fill("#field-reservations", "Contraste des graphiques.")
    page.click("main button[type=submit]")
    page.wait_for_selector("input[name=ballot]", state="attached")
    assert page.get_attribute("html", "lang") == lang
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, "; ".join(f"{v['id']} {v['help']} at {v['nodes']}" for v in violations)
    assert "Contraste des graphiques." in page.inner_text("main")
