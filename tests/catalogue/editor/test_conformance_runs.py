"""From the editor portal: open a conformance run, let the reference app use the sandbox,
withdraw the test citizen's consent from the run page, stop, read the report."""

from __future__ import annotations

import re

from ens_core.accounts.models import Role
from tests.authz.conformance.reference_client import ReferenceApp
from tests.authz.flow import login_citizen
from tests.factories import PASSWORD, make_organisation, make_sandboxed_dossier, make_user
from tests.helpers import login, submit


def _editor_service():
    editor, service, client, _dossier = make_sandboxed_dossier("Appli Conforme")
    return editor, service, client


def test_run_from_the_portal_with_the_reference_app_passes_every_check(app, app_ctx):
    editor, service, client = _editor_service()
    portal = app.test_client()
    assert login(portal, editor.email, PASSWORD).status_code == 302
    sandbox = f"/editeur/services/{service.id}/bac-a-sable"
    page = portal.get(sandbox).get_data(as_text=True)
    assert "Ouvrir un essai de conformité" in page

    opened = submit(portal, f"{sandbox}/essais", {"hours": "2"}, form_url=sandbox)
    assert opened.status_code == 302
    run_url = opened.headers["Location"]
    assert re.search(r"/essais/\d+$", run_url)
    run_page = portal.get(run_url).get_data(as_text=True)
    assert "Retirer le consentement du citoyen de test" in run_page

    browser = app.test_client()
    login_citizen(browser, make_user(Role.CITIZEN, is_synthetic=True))

    def withdraw():
        answer = submit(portal, f"{run_url}/retrait", {}, form_url=run_url)
        assert answer.status_code == 302
        assert "retiré le" in portal.get(run_url).get_data(as_text=True)

    ReferenceApp(browser, client).run(withdraw=withdraw)
    stopped = submit(portal, f"{run_url}/arret", {}, form_url=run_url)
    assert stopped.status_code == 302
    report = portal.get(run_url).get_data(as_text=True)
    assert "Rapport de conformité en bac à sable" in report
    assert "14 sur 14 conformes" in report
    assert report.count(">conforme<") == 14
    assert "AUTH-PKCE" in report and "REV-STOP" in report
    assert "[masqué]" in report  # evidence shows requests with their secrets masked


def _open_run_for_a_day(app):
    """The editor's portal client, its sandbox page and a 24-hour run opened there."""
    editor, service, _client = _editor_service()
    portal = app.test_client()
    login(portal, editor.email, PASSWORD)
    sandbox = f"/editeur/services/{service.id}/bac-a-sable"
    run_url = submit(portal, f"{sandbox}/essais", {"hours": "24"}, form_url=sandbox).headers[
        "Location"
    ]
    return portal, sandbox, run_url


def test_withdrawing_before_any_consent_is_explained(app, app_ctx):
    portal, sandbox, run_url = _open_run_for_a_day(app)
    answer = submit(portal, f"{run_url}/retrait", {}, form_url=run_url)
    assert answer.status_code == 302
    assert "Aucun consentement en cours" in portal.get(run_url).get_data(as_text=True)
    again = submit(portal, f"{sandbox}/essais", {"hours": "24"}, form_url=sandbox)
    assert "Un essai est déjà en cours" in portal.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_another_editor_sees_no_run(app, app_ctx):
    _portal, _sandbox, run_url = _open_run_for_a_day(app)
    other = app.test_client()
    intruder = make_user(Role.EDITOR)
    make_organisation(intruder)
    login(other, intruder.email, PASSWORD)
    assert other.get(run_url).status_code == 404
    assert submit(other, f"{run_url}/retrait", {}, form_url="/editeur/").status_code == 404
