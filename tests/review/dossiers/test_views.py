"""HTTP: the editor and agent pages, bad input, illegal transitions and IDOR."""

import io
import re

import pytest

from ens_core.accounts.models import Role
from ens_core.db import db
from review.dossiers import services
from review.dossiers.models import Dossier, DossierState, Verdict
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    complete_dossier,
    make_dossier,
    make_organisation,
    make_referential,
    make_service,
    make_user,
)
from tests.helpers import csrf_token, signed_in, submit

S = DossierState


@pytest.fixture
def world(app):
    """Editor A (with a draft dossier, an evidence file), editor B of another
    organisation, an agent and a citizen, committed so that requests see them."""
    with app.app_context():
        editor_a = make_user(Role.EDITOR)
        editor_b = make_user(Role.EDITOR)
        agent = make_user(Role.AGENT)
        citizen = make_user(Role.CITIZEN)
        service_a = make_service(make_organisation(editor_a))
        other_service_a = make_service(service_a.organisation)
        make_service(make_organisation(editor_b))
        # Every area evaluated once: the single-agent flow (double: test_double_views.py).
        version = make_referential("T1-single", double=[])
        dossier = complete_dossier(make_dossier(service_a, editor_a, version))
        evidence = next(a for a in dossier.answers if a.evidence).evidence[0]
        ids = {
            "dossier": dossier.id,
            "evidence": evidence.id,
            "request": dossier.data_requests[0].id,
            "other_service": other_service_a.id,
            "version": version.id,
        }
        emails = {
            "a": editor_a.email,
            "b": editor_b.email,
            "agent": agent.email,
            "citizen": citizen.email,
        }
        db.session.commit()
    return ids, emails


def _client(app, email):
    return signed_in(app, email, PASSWORD)


def _state(app, dossier_id):
    with app.app_context():
        return db.session.get(Dossier, dossier_id).state


EDITOR_GETS = ["", "/reponses/security", "/donnees", "/ecoscore", "/preuves/{evidence}"]
EDITOR_POSTS = [
    "/reponses/security",
    "/donnees",
    "/donnees/{request}/supprimer",
    "/preuves/{evidence}/supprimer",
    "/ecoscore",
    "/deposer",
    "/retirer",
    "/complements",
]
AGENT_GETS = ["", "/evaluation/security", "/preuves/{evidence}"]
AGENT_POSTS = [
    "/recevabilite",
    "/evaluation/demarrer",
    "/evaluation/security",
    "/complements",
    "/evaluer",
    "/clore",
]


def test_another_organisation_never_sees_or_touches_the_dossier(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    b = _client(app, emails["b"])
    token = csrf_token(b, "/editeur/dossiers")
    base = f"/editeur/dossiers/{ids['dossier']}"
    for path in EDITOR_GETS:
        url = base + path.format(**ids)
        assert a.get(url).status_code == 200, url
        assert b.get(url).status_code == 404, url
    for path in EDITOR_POSTS:
        url = base + path.format(**ids)
        response = b.post(url, data={"csrf_token": token, "comment": "x", "answer": "xyz"})
        assert response.status_code == 404, url
    assert ids["dossier"] and _state(app, ids["dossier"]) is S.DRAFT
    page = b.get("/editeur/dossiers").get_data(as_text=True)
    assert f"/editeur/dossiers/{ids['dossier']}" not in page
    # opening a dossier for another organisation's service is refused
    response = b.post(
        "/editeur/dossiers/ouvrir",
        data={"csrf_token": token, "service_id": ids["other_service"]},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Dossier).filter_by(service_id=ids["other_service"]).count() == 0


def test_agent_routes_are_for_agents_only(app, world):
    ids, emails = world
    for who in ("a", "citizen"):
        client = _client(app, emails[who])
        for path in AGENT_GETS:
            url = f"/agent/dossiers/{ids['dossier']}" + path.format(**ids)
            assert client.get(url).status_code == 403, (who, url)
        assert client.get("/agent/dossiers").status_code == 403
    citizen = _client(app, emails["citizen"])
    assert citizen.get("/editeur/dossiers").status_code == 403
    assert citizen.get(f"/editeur/dossiers/{ids['dossier']}").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(f"/editeur/dossiers/{ids['dossier']}").status_code == 302
    agent = _client(app, emails["agent"])
    token = csrf_token(agent, "/agent/dossiers")
    for path in AGENT_POSTS:
        response = agent.post(f"/agent/dossiers/999999{path}", data={"csrf_token": token})
        assert response.status_code == 404, path


def test_evidence_downloads_for_the_organisation_and_agents_only(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    response = a.get(f"/editeur/dossiers/{ids['dossier']}/preuves/{ids['evidence']}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    agent = _client(app, emails["agent"])
    url = f"/agent/dossiers/{ids['dossier']}/preuves/{ids['evidence']}"
    assert agent.get(url).data == PDF_BYTES
    # an evidence id of another dossier is not served through this dossier
    with app.app_context():
        other = complete_dossier(make_dossier())
        other_evidence = next(a for a in other.answers if a.evidence).evidence[0].id
        db.session.commit()
    assert a.get(f"/editeur/dossiers/{ids['dossier']}/preuves/{other_evidence}").status_code == 404


def test_editor_files_a_dossier_through_the_pages(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    base = f"/editeur/dossiers/{ids['dossier']}"
    # answers with an evidence upload
    response = submit(
        a,
        base + "/reponses/urbanisation",
        {
            "answer-URB-01": "yes",
            "justification-URB-01": "Certificat HDS 2026.",
            "evidence-URB-01": (io.BytesIO(PDF_BYTES), "certificat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    # a data request
    response = submit(
        a,
        base + "/donnees",
        {"scope": "patient/Appointment.cud", "purpose": "care", "retention_days": "90"},
    )
    assert response.status_code == 303
    # measurements
    response = submit(
        a,
        base + "/ecoscore",
        {
            "measured_on": "Pixel 6",
            "step-0-label": "Accueil",
            "step-0-energy_ratio": "1,1",
            "step-0-display_time_s": "0.9",
            "step-0-data_kb": "120",
            "step-0-dom_elements": "100",
            "step-0-http_requests": "100",
            "step-0-page_weight_kb": "100",
        },
    )
    assert response.status_code == 303
    page = a.get(base).get_data(as_text=True)
    assert "patient/Appointment.cud" in page
    assert "EcoIndex" in page and "72" in page
    response = submit(a, base + "/deposer", {}, form_url=base)
    assert response.status_code == 303
    assert _state(app, ids["dossier"]) is S.SUBMITTED
    # submitting twice: clear message, nothing changes
    response = submit(a, base + "/deposer", {}, form_url=base + "/donnees")
    assert response.status_code == 409
    assert "ne peut pas passer" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Dossier, ids["dossier"]).transitions) == 1


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/donnees", {"scope": "patient/Observation.rs", "purpose": "marketing",
                      "retention_days": "30"}, "purpose"),
        ("/donnees", {"scope": "patient/Observation.read", "purpose": "care",
                      "retention_days": "30"}, "scope"),
        ("/donnees", {"scope": "patient/Observation.rs", "purpose": "care",
                      "retention_days": "0"}, "retention_days"),
        ("/ecoscore", {"step-0-label": "Accueil", "step-0-energy_ratio": "abc",
                       "step-0-display_time_s": "1", "step-0-data_kb": "1"},
         "step-0-energy_ratio"),
        ("/ecoscore", {"step-0-label": "Page", "step-0-energy_ratio": "1.2",
                       "step-0-display_time_s": "1", "step-0-data_kb": "1",
                       "step-0-dom_elements": "300"}, "step-0-dom_elements"),
        ("/ecoscore", {}, "step-0-label"),
        ("/reponses/security", {"answer-SEC-01": "na"}, "answer-SEC-01"),
        ("/reponses/security", {"answer-SEC-01": "maybe"}, "answer-SEC-01"),
    ],
)  # fmt: skip
def test_bad_input_gives_field_messages_and_writes_nothing(app, world, path, data, field):
    ids, emails = world
    a = _client(app, emails["a"])
    url = f"/editeur/dossiers/{ids['dossier']}{path}"
    with app.app_context():
        before = services.requested_data_uses(db.session.get(Dossier, ids["dossier"]))
    response = submit(a, url, data)
    assert response.status_code == 400
    assert f'id="field-{field}"' in response.get_data(as_text=True) or (
        f'href="#field-{field}"' in response.get_data(as_text=True)
    )
    with app.app_context():
        dossier = db.session.get(Dossier, ids["dossier"])
        assert services.requested_data_uses(dossier) == before
        sec = next(a for a in dossier.answers if a.criterion.code == "SEC-01")
        assert sec.answer.value == "yes"


def test_bad_evidence_upload_rerenders_with_a_message(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    url = f"/editeur/dossiers/{ids['dossier']}/reponses/urbanisation"
    response = submit(
        a,
        url,
        {"answer-URB-01": "yes", "evidence-URB-01": (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "PDF et PNG" in response.get_data(as_text=True)
    with app.app_context():
        dossier = db.session.get(Dossier, ids["dossier"])
        urb = next(a for a in dossier.answers if a.criterion.code == "URB-01")
        assert len(urb.evidence) == 1


def test_agent_reviews_and_the_editor_sees_scores_after_evaluation(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    agent = _client(app, emails["agent"])
    base = f"/agent/dossiers/{ids['dossier']}"
    assert submit(a, f"/editeur/dossiers/{ids['dossier']}/deposer", {},
                  form_url=f"/editeur/dossiers/{ids['dossier']}").status_code == 303  # fmt: skip
    page = agent.get(base).get_data(as_text=True)
    assert "Toutes les règles de recevabilité sont satisfaites." in page
    # missing comment: field message, state unchanged
    response = submit(agent, base + "/recevabilite", {"decision": "admissible"})
    assert response.status_code == 400
    assert _state(app, ids["dossier"]) is S.SUBMITTED
    assert submit(agent, base + "/recevabilite",
                  {"decision": "admissible", "comment": "Complet."}).status_code == 303  # fmt: skip
    assert submit(agent, base + "/evaluation/demarrer", {}, form_url=base).status_code == 303
    # information request with a past deadline: field message
    response = submit(agent, base + "/complements",
                      {"questions": "Précisez la durée de conservation.",
                       "deadline": "2000-01-01"})  # fmt: skip
    assert response.status_code == 400
    assert _state(app, ids["dossier"]) is S.UNDER_EVALUATION
    # evaluate security with a blocking verdict, the rest compliant
    for area in ("urbanisation", "security", "interoperability", "ethics", "environment"):
        url = f"{base}/evaluation/{area}"
        form = agent.get(url).get_data(as_text=True)
        codes = sorted(set(re.findall(r'name="verdict-([A-Z]{3}-\d{2})"', form)))
        data = {f"verdict-{code}": "compliant" for code in codes}
        if area == "security":
            data["verdict-SEC-01"] = "non_compliant"
            data["comment-SEC-01"] = "Pas de MFA."
        assert submit(agent, url, data).status_code == 303
    response = submit(agent, base + "/evaluer", {}, form_url=base)
    assert response.status_code == 409
    assert "SEC-01" in response.get_data(as_text=True)
    # the editor does not see scores yet
    editor_page = a.get(f"/editeur/dossiers/{ids['dossier']}").get_data(as_text=True)
    assert "Scores par domaine" not in editor_page
    assert submit(agent, f"{base}/evaluation/security",
                  {"verdict-SEC-01": "compliant", "verdict-SEC-02": "non_compliant"}
                  ).status_code == 303  # fmt: skip
    assert submit(agent, base + "/evaluer", {}, form_url=base).status_code == 303
    assert _state(app, ids["dossier"]) is S.EVALUATED
    editor_page = a.get(f"/editeur/dossiers/{ids['dossier']}").get_data(as_text=True)
    assert "Scores par domaine" in editor_page
    assert "<svg" in editor_page and "<caption>" in editor_page
    with app.app_context():
        dossier = db.session.get(Dossier, ids["dossier"])
        scores = __import__("review.scoring.services", fromlist=["x"]).dossier_scores(dossier)
        assert scores["security"] == 67  # SEC-01 (2) compliant, SEC-02 (1) not
        assert any(e.verdict is Verdict.NON_COMPLIANT for e in dossier.evaluations)


def test_information_request_round_trip_and_closing(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    agent = _client(app, emails["agent"])
    with app.app_context():
        dossier = db.session.get(Dossier, ids["dossier"])
        actor = make_user(Role.AGENT)
        services.submit_dossier(actor, dossier)
        services.decide_admissibility(actor, dossier, admissible=True, comment="ok")
        services.start_evaluation(actor, dossier)
        db.session.commit()
    base = f"/agent/dossiers/{ids['dossier']}"
    assert submit(agent, base + "/complements",
                  {"questions": "Joignez le dernier rapport d'audit."}).status_code == 303  # fmt: skip
    assert _state(app, ids["dossier"]) is S.INFORMATION_REQUESTED
    # closing before the deadline is refused
    response = submit(agent, base + "/clore", {"comment": "Trop tôt."}, form_url=base)
    assert response.status_code == 409
    editor_url = f"/editeur/dossiers/{ids['dossier']}"
    assert "Joignez le dernier rapport" in a.get(editor_url).get_data(as_text=True)
    assert submit(a, editor_url + "/complements", {"answer": ""}).status_code == 400
    assert submit(a, editor_url + "/complements",
                  {"answer": "Rapport joint au critère SEC-01."}).status_code == 303  # fmt: skip
    assert _state(app, ids["dossier"]) is S.UNDER_EVALUATION


def test_withdrawal_through_the_page(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    url = f"/editeur/dossiers/{ids['dossier']}"
    assert submit(a, url + "/retirer", {"comment": "Abandon."}, form_url=url).status_code == 303
    assert _state(app, ids["dossier"]) is S.WITHDRAWN
    response = submit(a, url + "/retirer", {}, form_url="/editeur/dossiers")
    assert response.status_code == 409


def test_editor_opens_a_dossier_from_the_list(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    page = a.get("/editeur/dossiers").get_data(as_text=True)
    assert f'value="{ids["other_service"]}"' in page
    response = submit(a, "/editeur/dossiers/ouvrir", {"service_id": ids["other_service"]})
    assert response.status_code == 303
    assert submit(a, "/editeur/dossiers/ouvrir", {"service_id": "abc"}).status_code == 400


def test_editor_deletes_an_evidence_file_from_the_answers_page(app, world):
    ids, emails = world
    a = _client(app, emails["a"])
    base = f"/editeur/dossiers/{ids['dossier']}"
    page = a.get(base + "/reponses/urbanisation").get_data(as_text=True)
    assert f'action="{base}/preuves/{ids["evidence"]}/supprimer"' in page
    response = submit(
        a,
        f"{base}/preuves/{ids['evidence']}/supprimer",
        {},
        form_url=base + "/reponses/urbanisation",
    )
    assert response.status_code == 303
    assert a.get(f"{base}/preuves/{ids['evidence']}").status_code == 404
    page = a.get(base).get_data(as_text=True)
    assert "Pièce justificative manquante." in page  # the pre-check warns before submission
