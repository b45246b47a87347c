"""Surveillance pages over HTTP: the procedure end to end, permissions and IDOR."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from review.surveillance import services
from review.surveillance.models import (
    Audit,
    ChangeDeclaration,
    ChangeKind,
    Complaint,
    ComplaintCategory,
    SanctionKind,
)
from tests.factories import PASSWORD, make_organisation, make_referenced_service, make_user
from tests.helpers import login, submit, submit_action


def as_user(app, user):
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def world(app_ctx):
    editor = make_user(Role.EDITOR)
    agent = make_user(Role.AGENT)
    service = make_referenced_service(make_organisation(editor))
    complaint = services.file_complaint(
        agent,
        service,
        category=ComplaintCategory.OTHER,
        description="Signalement",
        attachments=[("a.pdf", b"%PDF-1 x")],
        now=utcnow(),
    )
    audit = services.open_audit(
        agent,
        service,
        scope="Périmètre",
        auditor="Cabinet",
        deadline=date.today() + timedelta(days=30),
        now=utcnow(),
    )
    sanction = services.notify_sanction_intent(
        agent, service, grounds="Motifs", proposed=SanctionKind.WARNING, now=utcnow()
    )
    change = services.declare_change(
        editor,
        service,
        kind=ChangeKind.HOSTING,
        payload={
            "provider": "P",
            "country": "DE",
            "hds_certificate_number": "N",
            "hds_certificate_expiry": "2030-01-01",
        },
        now=utcnow(),
    )
    return {
        "editor": editor,
        "agent": agent,
        "service": service,
        "complaint": complaint,
        "audit": audit,
        "sanction": sanction,
        "change": change,
    }


def agent_urls(w):
    c = w["complaint"]
    return [
        "/agent/surveillance",
        "/agent/surveillance/plaintes/nouvelle",
        f"/agent/surveillance/plaintes/{c.id}",
        f"/agent/surveillance/plaintes/{c.id}/pieces/{c.attachments[0].id}",
        f"/agent/surveillance/audits/{w['audit'].id}",
        f"/agent/surveillance/services/{w['service'].id}/sanction",
        f"/agent/surveillance/sanctions/{w['sanction'].id}",
        f"/agent/surveillance/changements/{w['change'].id}",
    ]


def editor_urls(w):
    return [
        f"/editeur/conformite/sanctions/{w['sanction'].id}",
        f"/editeur/conformite/services/{w['service'].id}/changements",
    ]


def test_agent_pages_are_for_agents_only(app, world):
    anonymous = app.test_client()
    citizen = as_user(app, make_user(Role.CITIZEN))
    editor = as_user(app, world["editor"])
    agent = as_user(app, world["agent"])
    for url in agent_urls(world):
        assert anonymous.get(url).status_code == 302, url
        assert citizen.get(url).status_code == 403, url
        assert editor.get(url).status_code == 403, url
        response = agent.get(url)
        assert response.status_code == 200, url
        response.close()


def test_editor_pages_refuse_other_editors(app, world):
    owner = as_user(app, world["editor"])
    stranger = as_user(app, make_user(Role.EDITOR))
    for url in editor_urls(world):
        assert owner.get(url).status_code == 200, url
        assert stranger.get(url).status_code == 404, url
    response = submit(
        stranger,
        f"/editeur/conformite/sanctions/{world['sanction'].id}",
        {"answer": "pirate"},
        form_url="/editeur/conformite",
    )
    assert response.status_code == 404
    response = submit(
        stranger,
        f"/editeur/conformite/services/{world['service'].id}/renouvellement",
        {},
        form_url="/editeur/conformite",
    )
    assert response.status_code == 404
    assert world["sanction"].editor_answer is None


def test_unknown_objects_are_404(app, world):
    agent = as_user(app, world["agent"])
    c = world["complaint"]
    assert agent.get("/agent/surveillance/plaintes/999999").status_code == 404
    assert (
        agent.get(f"/agent/surveillance/plaintes/999999/pieces/{c.attachments[0].id}").status_code
        == 404
    )
    assert agent.get("/agent/surveillance/sanctions/999999").status_code == 404


def test_complaint_triage_audit_and_sanction_over_http(app, world):
    agent = as_user(app, world["agent"])
    service = world["service"]
    response = submit(
        agent,
        "/agent/surveillance/plaintes/nouvelle",
        {"service": service.slug, "category": "security", "description": ""},
    )
    assert response.status_code == 400
    response = submit(
        agent,
        "/agent/surveillance/plaintes/nouvelle",
        {
            "service": service.slug,
            "category": "security",
            "description": "Fuite possible",
            "attachments": (BytesIO(b"%PDF-1.5 preuve"), "preuve.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.description == "Fuite possible")
    )
    url = f"/agent/surveillance/plaintes/{complaint.id}"
    response = submit_action(
        agent, url, "audit", {"scope": "Sécurité", "auditor": "Cabinet X", "deadline": "2000-01-01"}
    )
    assert response.status_code == 400
    response = submit_action(
        agent,
        url,
        "audit",
        {
            "scope": "Sécurité",
            "auditor": "Cabinet X",
            "deadline": (date.today() + timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(select(Audit).where(Audit.complaint_id == complaint.id)).auditor
        == "Cabinet X"
    )

    response = submit(
        agent,
        f"/agent/surveillance/services/{service.id}/sanction",
        {"grounds": "Manquement grave", "proposed": "suspension"},
    )
    assert response.status_code == 302
    sanction_id = int(response.headers["Location"].rsplit("/", 1)[1])
    sanction_url = f"/agent/surveillance/sanctions/{sanction_id}"

    def decide_suspension(**fields):
        return submit_action(agent, sanction_url, "decision", {"kind": "suspension", **fields})

    response = decide_suspension(text="Trop tôt", suspended_until="2099-01-01")
    assert response.status_code == 400  # the editor may still answer

    editor = as_user(app, world["editor"])
    editor_url = f"/editeur/conformite/sanctions/{sanction_id}"
    assert submit(editor, editor_url, {"answer": ""}).status_code == 400
    assert submit(editor, editor_url, {"answer": "Nous avons corrigé."}).status_code == 302
    response = decide_suspension(text="Suspension", suspended_until="")
    assert response.status_code == 400
    response = decide_suspension(text="Suspension", until_condition="Audit de sécurité favorable")
    assert response.status_code == 302
    db.session.expire_all()
    assert service.status is ServiceStatus.SUSPENDED
    assert submit_action(agent, sanction_url, "levee").status_code == 302
    db.session.expire_all()
    assert service.status is ServiceStatus.REFERENCED


def test_editor_declares_a_change_and_the_form_validates(app, world):
    editor = as_user(app, world["editor"])
    url = f"/editeur/conformite/services/{world['service'].id}/changements"
    response = submit(editor, url, {"kind": "hosting", "provider": "P"})
    assert response.status_code == 400
    assert "obligatoire" in response.get_data(as_text=True)
    response = submit(editor, url, {"kind": "version", "version": "3.1"})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(ChangeDeclaration).where(
                ChangeDeclaration.payload["version"].as_string() == "3.1"
            )
        )
        is not None
    )
    assert editor.get("/editeur/conformite").status_code == 200
    response = submit(
        editor,
        f"/editeur/conformite/services/{world['service'].id}/renouvellement",
        {},
        form_url="/editeur/conformite",
    )
    assert response.status_code == 302
