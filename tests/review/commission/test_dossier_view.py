"""The member's dossier view and the prepared vote: what a member reads before voting, who
may read it (route by route), evidence downloads in the audit trail, the vote's recap."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from catalogue.models import DataPurpose
from ens_core.accounts.models import Role
from ens_core.audit.models import AuditEvent
from ens_core.db import db
from review.commission import policies, services
from review.commission.dossier_file import dossier_file
from review.commission.models import College, VoteChoice
from review.dossiers import services as dossiers
from review.dossiers.lifecycle import transition
from review.dossiers.models import Answer, DossierState, Verdict
from tests.factories import (
    PASSWORD,
    complete_dossier,
    declared_link,
    make_commission_session,
    make_dossier,
    make_hosting,
    make_member,
    make_organisation,
    make_owner,
    make_referential,
    make_service,
    make_user,
    referential_data,
)
from tests.helpers import csrf_token, signed_in

S = DossierState


def _walk(dossier, agent, *states):
    for state in states:
        transition(dossier, state, actor=agent)


def _evaluate(agent, dossier, verdict=Verdict.COMPLIANT):
    verdicts = {c.code: (verdict, f"Avis sur {c.code}") for c in dossiers.criteria_of(dossier)}
    assert dossiers.save_evaluations(agent, dossier, verdicts) == {}


def _previous_referenced(service, editor, agent):
    """A first dossier of ``service`` (referential T1), walked to "referenced"."""
    previous = complete_dossier(make_dossier(service, editor, make_referential("T1")), editor)
    _walk(previous, agent, S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION)
    _evaluate(agent, previous)
    _walk(previous, agent, S.EVALUATED, S.SCHEDULED, S.OPINION_GIVEN, S.REFERENCED)
    return previous


def _renewal(service, editor, agent):
    """The renewal dossier (referential T2: one more criterion), evaluated, with an
    information request answered, one changed answer and one more data use."""
    criteria = referential_data()["criteria"] + [
        {
            "code": "ETH-02",
            "area": "ethics",
            "topic": "",
            "mandatory": False,
            "answer_type": "yes_no",
            "evidence_required": False,
            "weight": 1,
            "statement": {"fr": "Énoncé ETH-02", "en": "Statement ETH-02"},
        }
    ]
    version = make_referential("T2", "2025-06-01", criteria, double=[])
    dossier = complete_dossier(make_dossier(service, editor, version), editor)
    inputs = {"SEC-02": dossiers.AnswerInput(Answer.NO, "Pas encore en place.", None)}
    assert dossiers.save_answers(editor, dossier, inputs) == {}
    dossiers.add_data_request(
        editor,
        dossier,
        scope="patient/Appointment.rs",
        purpose=DataPurpose.CARE,
        retention_days=730,
        justification="Rappels de rendez-vous.",
    )
    dossiers.submit_dossier(editor, dossier)
    _walk(dossier, agent, S.ADMISSIBLE, S.UNDER_EVALUATION)
    dossiers.request_information(
        agent, dossier, questions="Précisez la conservation.", deadline=date.today() + timedelta(10)
    )
    dossiers.answer_information_request(editor, dossier, "Trois ans, puis suppression.")
    _evaluate(agent, dossier)
    dossiers.complete_evaluation(agent, dossier)
    return dossier


@pytest.fixture
def scene(app_ctx):
    agent = make_user(Role.AGENT)
    editor = make_user(Role.EDITOR)
    organisation = make_organisation(editor, legal_name="Santé Connect SAS")
    service = make_service(
        organisation,
        name="Glyco Carnet",
        short_description="Votre carnet de glycémie.",
        platforms=["ios"],
    )
    make_hosting(
        service,
        provider="OVHcloud",
        hds_certificate_number="HDS-2024-0117",
        hds_certificate_expiry=date.today() + timedelta(days=400),
        effective_from=date(2020, 1, 1),
    )
    make_owner(
        organisation,
        country="FR",
        share=80.0,
        control=True,
        since=date(2020, 1, 1),
        name="Fondateurs",
    )
    previous = _previous_referenced(service, editor, agent)
    dossier = _renewal(service, editor, agent)
    chair = make_member(College.CO_CHAIR)
    member = make_member()
    recused = make_member(links=[declared_link("Santé Connect SAS")])
    expired = make_member(starts_on=date.today() - timedelta(days=3 * 366))
    session = make_commission_session(chair, agent=agent)
    item = services.put_on_agenda(agent, session, dossier)
    [conflict] = item.conflicts
    services.decide_conflict(chair.user, conflict, confirm=True, reason="Audit récent")
    services.record_attendance(agent, session, {chair.id, member.id})
    services.open_deliberation(agent, item)
    [evidence] = [e for a in dossier.answers for e in a.evidence]
    db.session.flush()
    return {
        "agent": agent,
        "editor": editor,
        "chair": chair,
        "member": member,
        "recused": recused,
        "expired": expired,
        "citizen": make_user(Role.CITIZEN),
        "item": item,
        "dossier": dossier,
        "previous": previous,
        "evidence": evidence,
    }


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


# ------------------------------------------------------------------------- the policy


def test_can_read_dossier_is_the_named_policy(scene):
    dossier = scene["dossier"]
    assert policies.can_read_dossier(scene["member"], dossier)
    assert policies.can_read_dossier(scene["member"].user, dossier)
    assert policies.can_read_dossier(scene["agent"], dossier)
    for refused in ("recused", "expired"):
        assert not policies.can_read_dossier(scene[refused], dossier), refused
    for refused in ("citizen", "editor"):
        assert not policies.can_read_dossier(scene[refused], dossier), refused


# ------------------------------------------------------------- every new route, refused


def _routes(scene) -> list[tuple[str, str, dict]]:
    item, evidence = scene["item"].id, scene["evidence"].id
    base = f"/commission/points/{item}"
    return [
        ("GET", f"{base}/dossier", {}),
        ("GET", f"{base}/preuves/{evidence}", {}),
        ("GET", f"{base}/vote", {}),
        ("POST", f"{base}/vote", {"choice": "favourable"}),
        ("POST", f"{base}/vote/confirmation", {"ballot": "x", "action": "confirm"}),
        ("GET", f"{base}/deport", {}),
        ("POST", f"{base}/deport", {"reason": ""}),
    ]


ROUTE_NAMES = [
    "dossier",
    "evidence",
    "vote-form",
    "vote-recap",
    "vote-confirm",
    "recusal-page",
    "recusal",
]


@pytest.mark.parametrize("who", ["recused", "expired", "citizen", "editor"])
@pytest.mark.parametrize("route", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
def test_every_new_route_is_refused(app, scene, who, route):
    user = scene[who] if who in ("citizen", "editor") else scene[who].user
    client = signed_in(app, user.email, PASSWORD)
    method, path, data = _routes(scene)[route]
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf_token(client, "/"), **data})
    assert response.status_code in (403, 404), (who, path, response.status_code)
    db.session.expire_all()
    assert scene["item"].votes == []
    assert len(scene["item"].recusals) == 1  # only the confirmed conflict
    downloads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commission.evidence_downloaded")
    ).all()
    assert downloads == []


def test_agent_reads_the_dossier_but_does_not_vote(app, scene):
    client = signed_in(app, scene["agent"].email, PASSWORD)
    item = scene["item"].id
    assert client.get(f"/commission/points/{item}/dossier").status_code == 200
    assert (
        client.get(f"/commission/points/{item}/preuves/{scene['evidence'].id}").status_code == 200
    )
    assert client.get(f"/commission/points/{item}/vote").status_code == 403
    assert client.get(f"/commission/points/{item}/deport").status_code == 403
    session_page = _text(client.get(f"/agent/commission/seances/{scene['item'].session_id}"))
    assert f"/commission/points/{item}/dossier" in session_page


def test_evidence_of_another_dossier_is_not_found(app, scene):
    other = complete_dossier(
        make_dossier(make_service(), version=scene["dossier"].referential_version)
    )
    [foreign] = [e for a in other.answers for e in a.evidence]
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    response = client.get(f"/commission/points/{scene['item'].id}/preuves/{foreign.id}")
    assert response.status_code == 404


# ---------------------------------------------------------------------- what it shows


def test_member_reads_the_whole_dossier(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    page = client.get(f"/commission/points/{item.id}/dossier")
    assert page.status_code == 200
    body = _text(page)
    # the listing as it would be published, in plain words
    assert "La fiche telle qu'elle serait publiée" in body
    assert "Votre carnet de glycémie." in body and "Santé Connect SAS" in body
    assert "Il peut lire vos mesures et résultats" in body
    # every criterion: answer, justification, evidence link, the agent's conclusion
    for code in ("URB-01", "SEC-01", "SEC-02", "ETH-02"):
        assert code in body
    assert "Pas encore en place." in body
    assert f"/commission/points/{item.id}/preuves/{scene['evidence'].id}" in body
    assert "preuve.pdf" in body
    assert "Avis sur SEC-01" in body and "Conforme" in body
    # data uses against the rules
    assert "patient/Appointment.rs" in body and "Rappels de rendez-vous." in body
    assert "Aucune justification écrite de la finalité." in body  # complete_dossier's use
    assert re.search(r"au plus 3\s650 jours", body)  # the rules' retention ceiling
    # hosting, owners, and the sovereignty verdict today
    assert "OVHcloud" in body and "HDS-2024-0117" in body and "Fondateurs" in body
    assert "aucun manquement" in body
    # scores with area names (never raw keys) and the chart
    assert "<svg" in body and "Urbanisation" in body and "Sécurité" in body
    assert ">urbanisation<" not in body
    # both écoscores with their measurements
    assert "Écoscore : " in body and "Accueil" in body
    # information requests and answers
    assert "Précisez la conservation." in body and "Trois ans, puis suppression." in body
    # earlier dossiers, and what changed since the last referenced one
    assert f"n° {scene['previous'].id}" in body and "Référencé" in body
    assert "Ce qui a changé depuis le dernier référencement" in body
    assert "ETH-02" in body and "Donnée ajoutée : patient/Appointment.rs" in body


def test_dossier_file_gathers_renewal_changes(scene):
    file = dossier_file(scene["dossier"])
    changes = file.renewal.changes
    assert changes.previous.id == scene["previous"].id
    assert changes.new_criteria == ["ETH-02"]
    assert [code for code, *_labels in changes.answers] == ["SEC-02"]
    assert [use[0] for use in changes.uses_added] == ["patient/Appointment.rs"]
    assert [e.dossier.id for e in file.earlier] == [scene["previous"].id]
    assert file.sovereignty.compliant


def test_first_dossier_is_no_renewal(scene):
    assert dossier_file(scene["previous"]).renewal is None


def test_evidence_download_is_in_the_audit_trail(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    evidence = scene["evidence"]
    response = client.get(f"/commission/points/{scene['item'].id}/preuves/{evidence.id}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "private, no-store"
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "commission.evidence_downloaded")
    ).all()
    assert event.actor_id == scene["member"].user_id
    assert event.object_id == str(scene["dossier"].id)
    assert event.details["evidence"] == evidence.id


def test_agenda_items_and_notifications_name_the_service(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    agenda = _text(client.get(f"/commission/seances/{item.session_id}"))
    assert "Glyco Carnet" in agenda and "Dossier n°" not in agenda
    page = _text(client.get(f"/commission/points/{item.id}"))
    assert "Glyco Carnet" in page and "Lire le dossier complet" in page
    assert "UTC" not in page
    services.convene(scene["agent"], item.session)
    from ens_core.notifications.models import Notification

    [note] = db.session.scalars(
        select(Notification).where(Notification.user_id == scene["member"].user_id)
    ).all()
    assert "Glyco Carnet" in note.body and "heure de Paris" in note.body


# ----------------------------------------------------------------------- the vote


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **data})


def _ballot(response) -> str:
    match = re.search(r'name="ballot" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no ballot on the recap page"
    return match.group(1)


def _tampered(token: str) -> str:
    """``token`` with one character of its signature changed. Not the last ones: base64's
    last character carries bits that a decoder ignores, so replacing it may change nothing
    (the test failed about once in a thousand runs that way)."""
    i = len(token) - 5
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_vote_goes_through_a_recap_and_nothing_is_stored_before_confirm(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    base = f"/commission/points/{item.id}/vote"
    assert "Étape 1 sur 2" in _text(client.get(base))
    recap = _post(
        client,
        base,
        {"choice": "favourable_non_suspensive", "reservations": "Contraste des graphiques."},
    )
    assert recap.status_code == 200
    body = _text(recap)
    assert (
        "Vous allez voter : Avis favorable avec réserves non suspensives — "
        "Contraste des graphiques." in body
    )
    assert 'name="csrf_token"' in body
    db.session.expire_all()
    assert item.votes == []
    # Modify: the choice page again, filled in; still nothing stored
    modify = _post(client, f"{base}/confirmation", {"ballot": _ballot(recap), "action": "modify"})
    assert modify.status_code == 200
    assert 'value="favourable_non_suspensive" checked' in modify.get_data(as_text=True)
    assert "Contraste des graphiques." in _text(modify)
    db.session.expire_all()
    assert item.votes == []
    # Confirm stores it
    done = _post(client, f"{base}/confirmation", {"ballot": _ballot(recap), "action": "confirm"})
    assert done.status_code == 303
    db.session.expire_all()
    [vote] = item.votes
    assert (vote.member_id, vote.choice, vote.reservations) == (
        scene["member"].id,
        VoteChoice.FAVOURABLE_NON_SUSPENSIVE,
        "Contraste des graphiques.",
    )
    # a second confirmation keeps the first vote
    again = _post(client, f"{base}/confirmation", {"ballot": _ballot(recap), "action": "confirm"})
    assert again.status_code == 303
    assert "déjà enregistré" in _text(client.get(again.headers["Location"]))


def test_a_tampered_or_foreign_ballot_is_refused(app, scene):
    member_client = signed_in(app, scene["member"].user.email, PASSWORD)
    base = f"/commission/points/{scene['item'].id}/vote"
    recap = _post(member_client, base, {"choice": "favourable"})
    ballot = _ballot(recap)
    tampered = _post(
        member_client, f"{base}/confirmation", {"ballot": _tampered(ballot), "action": "confirm"}
    )
    assert tampered.status_code == 400 and "invalide" in _text(tampered)
    chair_client = signed_in(app, scene["chair"].user.email, PASSWORD)
    foreign = _post(chair_client, f"{base}/confirmation", {"ballot": ballot, "action": "confirm"})
    assert foreign.status_code == 400
    no_csrf = member_client.post(
        f"{base}/confirmation", data={"ballot": ballot, "action": "confirm"}
    )
    assert no_csrf.status_code == 400
    db.session.expire_all()
    assert scene["item"].votes == []


def test_vote_form_errors_are_explained(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    base = f"/commission/points/{scene['item'].id}/vote"
    missing = _post(client, base, {"choice": "favourable_suspensive"})
    assert missing.status_code == 400 and "réserves" in _text(missing)
    assert _post(client, base, {"choice": "whatever"}).status_code == 400
    db.session.expire_all()
    assert scene["item"].votes == []


def test_recusal_is_its_own_confirmed_step(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    item_page = _text(client.get(f"/commission/points/{item.id}"))
    assert "button-danger" not in item_page
    page = client.get(f"/commission/points/{item.id}/deport")
    assert page.status_code == 200 and "Confirmer mon déport" in _text(page)
    db.session.expire_all()
    assert scene["member"].id not in item.recused_member_ids
    done = _post(client, f"/commission/points/{item.id}/deport", {"reason": "Ancien salarié"})
    assert done.status_code == 303
    db.session.expire_all()
    assert scene["member"].id in item.recused_member_ids
    assert client.get(f"/commission/points/{item.id}/dossier").status_code == 403
