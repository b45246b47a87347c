from datetime import date, timedelta

import pytest

from catalogue.models import DataPurpose
from review.dossiers import services
from review.dossiers.lifecycle import IllegalTransition, transition
from review.dossiers.models import Answer, DossierState, Verdict
from review.scoring.services import save_measurements
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    complete_dossier,
    make_dossier,
    make_referential,
    make_service,
    make_user,
    upload,
)

S = DossierState


def _editor(dossier):
    from tests.factories import _member_of

    return _member_of(dossier.service.organisation)


def _answer(dossier, code, answer, file=None, justification=""):
    return services.save_answers(
        _editor(dossier),
        dossier,
        {code: services.AnswerInput(answer, justification, file)},
    )


def _submitted():
    # Every area evaluated once: today's single-agent flow (double evaluation: test_double.py).
    dossier = complete_dossier(make_dossier(version=make_referential("T1-single", double=[])))
    services.submit_dossier(_editor(dossier), dossier)
    return dossier


def _under_evaluation(agent):
    dossier = _submitted()
    services.decide_admissibility(agent, dossier, admissible=True, comment="ok")
    services.start_evaluation(agent, dossier)
    return dossier


def _evaluate_all(agent, dossier, verdict=Verdict.COMPLIANT, **overrides):
    verdicts = {c.code: (verdict, "") for c in services.criteria_of(dossier)}
    verdicts.update({code.replace("_", "-"): (v, "") for code, v in overrides.items()})
    assert services.save_evaluations(agent, dossier, verdicts) == {}


# --- opening and pinning -------------------------------------------------------------


def test_a_dossier_pins_the_current_version_and_a_new_version_does_not_change_it(app_ctx):
    old = make_referential("PIN-1", effective_from=str(date.today() - timedelta(days=2)))
    editor = make_user()
    service = make_service()
    dossier = services.open_dossier(editor, service)
    assert dossier.referential_version_id == old.id
    assert dossier.state is S.DRAFT
    newer = make_referential("PIN-2", effective_from=str(date.today()))
    assert services.current_version().id == newer.id
    assert dossier.referential_version_id == old.id
    assert {c.code for c in services.criteria_of(dossier)} == {c.code for c in old.criteria}


def test_a_service_has_one_open_dossier_at_a_time(app_ctx):
    dossier = make_dossier()
    with pytest.raises(services.DossierError):
        services.open_dossier(
            _editor(dossier), dossier.service, version=dossier.referential_version
        )
    services.withdraw_dossier(_editor(dossier), dossier)
    again = services.open_dossier(
        _editor(dossier), dossier.service, version=dossier.referential_version
    )
    assert again.id != dossier.id


# --- answers and evidence --------------------------------------------------------------


def test_evidence_is_recognised_by_content_and_stored_outside_the_web_root(app, app_ctx):
    dossier = make_dossier()
    assert _answer(dossier, "URB-01", Answer.YES, upload(PDF_BYTES, "hds.pdf")) == {}
    assert _answer(dossier, "SEC-01", Answer.YES, upload(PNG_BYTES, "capture.png")) == {}
    answers = {a.criterion.code: a for a in dossier.answers}
    pdf, png = answers["URB-01"].evidence[0], answers["SEC-01"].evidence[0]
    assert (pdf.content_type, png.content_type) == ("application/pdf", "image/png")
    from review.dossiers.evidence import path_of

    stored = path_of(pdf.stored_name)
    assert stored.read_bytes() == PDF_BYTES
    assert str(stored).startswith(app.config["ENS_DATA_DIR"])
    assert not str(stored).startswith(app.static_folder)
    assert pdf.original_name == "hds.pdf" and pdf.stored_name != "hds.pdf"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just text pretending", "fake.pdf"),
        (b"GIF89a" + b"\x00" * 20, "image.png"),
        (b"", "empty.pdf"),
        (b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "huge.pdf"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(app_ctx, content, name):
    dossier = make_dossier()
    errors = services.save_answers(
        _editor(dossier),
        dossier,
        {
            "SEC-01": services.AnswerInput(Answer.YES, "", None),
            "URB-01": services.AnswerInput(Answer.YES, "", upload(content, name)),
        },
    )
    assert list(errors) == ["evidence-URB-01"]
    assert dossier.answers == []


def test_not_applicable_only_where_the_criterion_allows_it(app_ctx):
    dossier = make_dossier()
    assert "answer-SEC-01" in _answer(dossier, "SEC-01", Answer.NOT_APPLICABLE)
    assert _answer(dossier, "ETH-01", Answer.NOT_APPLICABLE) == {}
    assert "answer-SEC-02" in _answer(dossier, "SEC-02", None, justification="why")


def test_answers_are_frozen_once_submitted(app_ctx):
    dossier = _submitted()
    with pytest.raises(services.DossierError):
        _answer(dossier, "SEC-02", Answer.NO)
    with pytest.raises(services.DossierError):
        save_measurements(_editor(dossier), dossier, [{"label": "x"}])


# --- data requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    ["patient/Observation.read", "patient/Observation.", "user/Observation.rs",
     "patient/Spaceship.rs", "patient/Observation.sr", "Observation.rs"],
)  # fmt: skip
def test_invalid_scopes_are_refused(app_ctx, scope):
    dossier = make_dossier()
    with pytest.raises(services.DossierError):
        services.add_data_request(_editor(dossier), dossier, scope=scope,
                                  purpose=DataPurpose.CARE, retention_days=30)  # fmt: skip
    assert dossier.data_requests == []


def test_requested_data_uses_for_the_decision(app_ctx):
    dossier = make_dossier()
    editor = _editor(dossier)
    for scope, purpose, days in [
        ("patient/Observation.rs", DataPurpose.CARE, 365),
        ("patient/Observation.cu", DataPurpose.PREVENTION, 365),
        ("patient/Appointment.cud", DataPurpose.SOCIAL_FOLLOW_UP, 90),
        ("patient/DocumentReference.c", DataPurpose.DIAGNOSIS, 730),
        ("patient/Patient.r", DataPurpose.CARE, 365),
    ]:
        services.add_data_request(editor, dossier, scope=scope, purpose=purpose,
                                  retention_days=days)  # fmt: skip
    with pytest.raises(services.DossierError):
        services.add_data_request(editor, dossier, scope="patient/Patient.r",
                                  purpose=DataPurpose.CARE, retention_days=1)  # fmt: skip
    uses = services.requested_data_uses(dossier)
    assert ("patient/Appointment.cud", DataPurpose.SOCIAL_FOLLOW_UP, 90) in uses
    assert len(uses) == 5
    services.remove_data_request(editor, dossier, dossier.data_requests[0].id)
    assert len(services.requested_data_uses(dossier)) == 4


# --- submission and admissibility ------------------------------------------------------


def test_an_incomplete_dossier_cannot_be_submitted(app_ctx):
    dossier = make_dossier()
    _answer(dossier, "SEC-01", Answer.YES)
    with pytest.raises(services.DossierError) as caught:
        services.submit_dossier(_editor(dossier), dossier)
    assert "URB-01" in str(caught.value)
    assert dossier.state is S.DRAFT and dossier.transitions == []


def test_submission_records_who_and_when(app_ctx):
    dossier = _submitted()
    assert dossier.state is S.SUBMITTED
    assert dossier.submitted_at is not None
    (record,) = dossier.transitions
    assert record.actor_id == _editor(dossier).id and record.to_state is S.SUBMITTED


def test_admissibility_rules(app_ctx):
    dossier = complete_dossier(make_dossier())
    assert services.admissibility_findings(dossier) == []
    _answer(dossier, "SEC-01", Answer.NO)  # mandatory answered no
    urb = next(a for a in dossier.answers if a.criterion.code == "URB-01")
    urb.evidence.clear()  # evidence required and missing
    dossier.data_requests.clear()
    findings = services.admissibility_findings(dossier)
    assert {(f.code, f.message) for f in findings} == {
        ("SEC-01", "Critère obligatoire non satisfait (« Non »)."),
        ("URB-01", "Pièce justificative manquante."),
        ("", "Aucune donnée demandée n'est déclarée."),
    }


def test_the_agent_confirms_admissibility_only_when_the_rules_pass(app_ctx):
    agent = make_user()
    dossier = complete_dossier(make_dossier())
    _answer(dossier, "SEC-01", Answer.NO)
    services.submit_dossier(_editor(dossier), dossier)
    with pytest.raises(services.DossierError):
        services.decide_admissibility(agent, dossier, admissible=True, comment="ok")
    assert dossier.state is S.SUBMITTED
    services.decide_admissibility(agent, dossier, admissible=False, comment="SEC-01 manquant")
    assert dossier.state is S.INADMISSIBLE
    assert dossier.transitions[-1].comment == "SEC-01 manquant"
    assert dossier.transitions[-1].actor_id == agent.id


def test_admissible_then_evaluation(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    assert [t.to_state for t in dossier.transitions] == [S.SUBMITTED, S.ADMISSIBLE,
                                                          S.UNDER_EVALUATION]  # fmt: skip


# --- information requests --------------------------------------------------------------


def test_information_request_defaults_to_30_days_and_pauses_the_clock(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    dossier.submitted_at = dossier.submitted_at - timedelta(days=20)
    request = services.request_information(agent, dossier, questions="Précisez la durée.")
    assert request.deadline == date.today() + timedelta(days=30)
    assert dossier.state is S.INFORMATION_REQUESTED
    request.asked_at = request.asked_at - timedelta(days=12)
    # 20 days since submission, of which 12 waiting for the editor
    assert services.review_clock_days(dossier) == 8
    assert services.review_clock_days(dossier, date.today() + timedelta(days=5)) == 8
    services.answer_information_request(_editor(dossier), dossier, "Trois ans.")
    assert dossier.state is S.UNDER_EVALUATION
    assert dossier.paused_days == 12
    assert request.answer == "Trois ans." and not request.is_open
    assert services.review_clock_days(dossier) == 8
    assert services.review_clock_days(dossier, date.today() + timedelta(days=3)) == 11


def test_the_editor_may_update_answers_while_information_is_requested(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    services.request_information(agent, dossier, questions="Joignez le rapport.")
    assert _answer(dossier, "SEC-02", Answer.YES, justification="Fait.") == {}


def test_an_information_deadline_must_be_in_the_future(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    with pytest.raises(services.DossierError):
        services.request_information(agent, dossier, questions="Q?", deadline=date.today())
    assert dossier.state is S.UNDER_EVALUATION and dossier.information_requests == []


def test_closing_needs_a_missed_deadline(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    request = services.request_information(agent, dossier, questions="Précisez.")
    with pytest.raises(services.DossierError):
        services.close_for_missed_deadline(agent, dossier, "trop tôt")
    assert dossier.state is S.INFORMATION_REQUESTED
    request.deadline = date.today() - timedelta(days=1)
    assert request.is_overdue()
    services.close_for_missed_deadline(agent, dossier, "Pas de réponse.")
    assert dossier.state is S.CLOSED


def test_answering_without_a_pending_request_is_refused(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    with pytest.raises(services.DossierError):
        services.answer_information_request(_editor(dossier), dossier, "réponse")
    assert dossier.state is S.UNDER_EVALUATION


# --- evaluation ------------------------------------------------------------------------


def test_a_non_compliant_mandatory_criterion_blocks_the_evaluation(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    _evaluate_all(agent, dossier, SEC_01=Verdict.NON_COMPLIANT, SEC_02=Verdict.NON_COMPLIANT)
    assert [c.code for c in services.blocking_criteria(dossier)] == ["SEC-01"]
    with pytest.raises(services.DossierError) as caught:
        services.complete_evaluation(agent, dossier)
    assert "SEC-01" in str(caught.value)
    assert dossier.state is S.UNDER_EVALUATION
    _evaluate_all(agent, dossier, SEC_02=Verdict.NON_COMPLIANT)  # optional: not blocking
    services.complete_evaluation(agent, dossier, "ok")
    assert dossier.state is S.EVALUATED


def test_every_criterion_must_be_evaluated(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    services.save_evaluations(agent, dossier, {"SEC-01": (Verdict.COMPLIANT, "")})
    with pytest.raises(services.DossierError):
        services.complete_evaluation(agent, dossier)
    assert len(services.unevaluated_criteria(dossier)) == 5


def test_evaluation_input_is_checked(app_ctx):
    agent = make_user()
    dossier = _under_evaluation(agent)
    errors = services.save_evaluations(
        agent, dossier, {"SEC-01": (Verdict.NOT_APPLICABLE, ""), "NOPE-01": (None, "")}
    )
    assert set(errors) == {"verdict-SEC-01", "_schema"}
    assert dossier.evaluations == []


def test_evaluation_only_while_under_evaluation(app_ctx):
    dossier = _submitted()
    with pytest.raises(services.DossierError):
        services.save_evaluations(make_user(), dossier, {"SEC-01": (Verdict.COMPLIANT, "")})


# --- withdrawal and illegal transitions ------------------------------------------------

PRE_DECISION_PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.ADMISSIBLE: [S.SUBMITTED, S.ADMISSIBLE],
    S.UNDER_EVALUATION: [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION],
    S.INFORMATION_REQUESTED: [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION,
                              S.INFORMATION_REQUESTED],
    S.EVALUATED: [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION, S.EVALUATED],
    S.SCHEDULED: [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION, S.EVALUATED, S.SCHEDULED],
    S.OPINION_GIVEN: [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION, S.EVALUATED,
                      S.SCHEDULED, S.OPINION_GIVEN],
}  # fmt: skip


@pytest.mark.parametrize("state", list(PRE_DECISION_PATHS))
def test_the_editor_may_withdraw_from_any_pre_decision_state(app_ctx, state):
    dossier = make_dossier()
    agent = make_user()
    for step in PRE_DECISION_PATHS[state]:
        transition(dossier, step, actor=agent)
    services.withdraw_dossier(_editor(dossier), dossier, "Nous arrêtons.")
    assert dossier.state is S.WITHDRAWN
    assert dossier.transitions[-1].comment == "Nous arrêtons."


@pytest.mark.parametrize("state", [S.REFERENCED, S.REFUSED, S.INADMISSIBLE, S.CLOSED, S.WITHDRAWN])
def test_withdrawal_after_a_decision_is_refused(app_ctx, state):
    dossier = make_dossier()
    dossier.state = state
    with pytest.raises(IllegalTransition):
        services.withdraw_dossier(_editor(dossier), dossier)
    assert dossier.state is state and dossier.transitions == []


def test_illegal_service_actions_change_nothing(app_ctx):
    agent = make_user()
    dossier = complete_dossier(make_dossier())
    actions = [
        lambda: services.decide_admissibility(agent, dossier, admissible=False, comment="x"),
        lambda: services.start_evaluation(agent, dossier),
        lambda: services.request_information(agent, dossier, questions="Questions ?"),
        lambda: services.complete_evaluation(agent, dossier),
    ]
    for action in actions:
        with pytest.raises(IllegalTransition):
            action()
        assert dossier.state is S.DRAFT
    services.submit_dossier(_editor(dossier), dossier)
    with pytest.raises(IllegalTransition):
        services.submit_dossier(_editor(dossier), dossier)
    assert len(dossier.transitions) == 1


def test_editors_are_notified_of_information_requests_and_evaluation(app_ctx):
    from sqlalchemy import select

    from ens_core.db import db
    from ens_core.notifications.models import Notification

    agent = make_user()
    dossier = _under_evaluation(agent)
    editor = _editor(dossier)
    services.request_information(agent, dossier, questions="Précisez la durée.")
    services.answer_information_request(editor, dossier, "Un an.")
    _evaluate_all(agent, dossier)
    services.complete_evaluation(agent, dossier)
    kinds = list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == editor.id)
            .order_by(Notification.id)
        )
    )
    assert kinds == ["dossier.admissibility", "dossier.information_requested", "dossier.evaluated"]


def test_the_editor_removes_an_evidence_file_while_the_dossier_is_editable(app_ctx):
    from review.dossiers.evidence import path_of

    dossier = make_dossier()
    _answer(dossier, "URB-01", Answer.YES, upload())
    evidence = dossier.answers[0].evidence[0]
    stored = path_of(evidence.stored_name)
    assert stored.exists()
    services.remove_evidence(_editor(dossier), dossier, evidence.id)
    assert dossier.answers[0].evidence == []
    assert not stored.exists()
    with pytest.raises(services.DossierError):
        services.remove_evidence(_editor(dossier), dossier, evidence.id)
    submitted = _submitted()
    kept = next(a for a in submitted.answers if a.evidence).evidence[0]
    with pytest.raises(services.DossierError):
        services.remove_evidence(_editor(submitted), submitted, kept.id)
    assert path_of(kept.stored_name).exists()
