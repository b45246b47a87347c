"""A finished sandbox conformance run attached to the dossier: the editor attaches it, the
agent reads it beside the security and interoperability answers, commission members beside
the dossier, the public page shows the date and the pass count; a newer version makes it
stale."""

from __future__ import annotations

import pytest

from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from review.commission import services as commission
from review.commission.models import College
from review.dossiers.lifecycle import transition
from review.dossiers.models import DossierState
from review.surveillance.models import ChangeKind
from review.surveillance.services import declare_change
from tests.authz.conformance.reference_client import drive_run
from tests.authz.flow import login_citizen
from tests.factories import (
    PASSWORD,
    make_commission_session,
    make_dossier,
    make_member,
    make_organisation,
    make_sandboxed_dossier,
    make_service,
    make_user,
    walk_dossier,
)
from tests.helpers import login, submit


@pytest.fixture
def attached(app, app_ctx):
    """A dossier whose editor attached a run where the reference app passed every check."""
    editor, service, client, dossier = make_sandboxed_dossier("Appli Prouvée", retention_days=30)
    browser = app.test_client()
    login_citizen(browser, make_user(Role.CITIZEN, is_synthetic=True))
    run, _verdicts = drive_run(browser, client, editor)
    portal = app.test_client()
    login(portal, editor.email, PASSWORD)
    page = f"/editeur/dossiers/{dossier.id}"
    answer = submit(portal, f"{page}/conformite", {"run_id": str(run.id)}, form_url=page)
    assert answer.status_code == 303
    return {"editor": editor, "service": service, "dossier": dossier, "run": run, "portal": portal}


def test_the_editor_sees_the_attached_report_on_the_dossier(attached):
    page = attached["portal"].get(f"/editeur/dossiers/{attached['dossier'].id}")
    text = page.get_data(as_text=True)
    assert "14 vérifications conformes sur 14" in text
    assert "AUTH-PKCE" in text and "Périmé" not in text


def test_the_agent_reads_it_beside_security_and_interoperability(app, attached):
    dossier = attached["dossier"]
    agent = make_user(Role.AGENT)
    for state in (DossierState.SUBMITTED, DossierState.ADMISSIBLE, DossierState.UNDER_EVALUATION):
        transition(dossier, state, actor=agent)
    db.session.flush()
    http = app.test_client()
    login(http, agent.email, PASSWORD)
    for area in ("security", "interoperability"):
        text = http.get(f"/agent/dossiers/{dossier.id}/evaluation/{area}").get_data(as_text=True)
        assert "Rapport de conformité en bac à sable" in text
        assert "REV-STOP" in text
    ethics = http.get(f"/agent/dossiers/{dossier.id}/evaluation/ethics").get_data(as_text=True)
    assert "Rapport de conformité en bac à sable" not in ethics


def test_commission_members_see_it_beside_the_dossier(app, attached):
    dossier = attached["dossier"]
    agent = make_user(Role.AGENT)
    walk_dossier(dossier, agent)
    chair = make_member(College.CO_CHAIR)
    member = make_member()
    session = make_commission_session(chair, agent=agent)
    item = commission.put_on_agenda(agent, session, dossier)
    commission.record_attendance(agent, session, {chair.id, member.id})
    db.session.flush()
    http = app.test_client()
    login(http, member.user.email, PASSWORD)
    text = http.get(f"/commission/points/{item.id}").get_data(as_text=True)
    assert "Essai de conformité en bac à sable" in text
    assert "FHIR-IF-MATCH" in text


def test_the_public_page_says_when_conformance_was_verified(app, attached):
    service = attached["service"]
    service.status = ServiceStatus.REFERENCED
    db.session.flush()
    text = app.test_client().get(f"/catalogue/{service.slug}").get_data(as_text=True)
    assert "Conformité vérifiée en bac à sable le" in text
    assert "14 vérifications sur 14 réussies" in text


def test_a_new_version_makes_the_report_stale(attached):
    declare_change(
        attached["editor"],
        attached["service"],
        kind=ChangeKind.VERSION,
        payload={"version": "2.0", "notes": "Nouvelle version"},
        now=utcnow(),
    )
    db.session.flush()
    text = (
        attached["portal"].get(f"/editeur/dossiers/{attached['dossier'].id}").get_data(as_text=True)
    )
    assert "Périmé" in text


def test_a_run_of_another_service_cannot_be_attached(app, attached):
    other = make_dossier(make_service(make_organisation(attached["editor"])), attached["editor"])
    page = f"/editeur/dossiers/{other.id}"
    answer = submit(
        attached["portal"], f"{page}/conformite", {"run_id": str(attached["run"].id)}, form_url=page
    )
    assert answer.status_code == 409
    assert "pas un essai de ce service" in answer.get_data(as_text=True)
