"""Double evaluation: which areas, blind verdicts, agreement, reconciliation, completion."""

from fractions import Fraction

import pytest
import yaml
from sqlalchemy import select

from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.notifications.models import Notification
from review.dossiers import double, services
from review.dossiers.models import DossierState, Verdict
from review.dossiers.policies import (
    can_reconcile,
    can_record_independent_evaluation,
    can_see_independent_evaluations,
    can_see_own_independent_evaluation,
)
from review.referential.models import Area
from review.referential.services import (
    ReferentialImmutable,
    parse_referential,
    publish_referential,
)
from tests.factories import (
    _member_of,
    complete_dossier,
    make_dossier,
    make_referential,
    make_user,
    referential_data,
)

S = DossierState
C, NC, NA = Verdict.COMPLIANT, Verdict.NON_COMPLIANT, Verdict.NOT_APPLICABLE


def _under_evaluation(agent, version=None):
    dossier = complete_dossier(make_dossier(version=version or make_referential()))
    services.submit_dossier(_member_of(dossier.service.organisation), dossier)
    services.decide_admissibility(agent, dossier, admissible=True, comment="ok")
    services.start_evaluation(agent, dossier)
    return dossier


def _rate(agent, dossier, **verdicts):
    given = {code.replace("_", "-"): (v, f"avis {agent.id}") for code, v in verdicts.items()}
    assert services.save_evaluations(agent, dossier, given) == {}


ALL_COMPLIANT = {"URB_01": C, "SEC_01": C, "SEC_02": C, "INT_01": C, "ETH_01": C, "ENV_01": C}


# --- which areas ----------------------------------------------------------------------


def test_security_and_ethics_are_evaluated_twice_when_the_referential_does_not_say(app_ctx):
    assert make_referential("D1").double_evaluated_areas == (Area.SECURITY, Area.ETHICS)
    assert make_referential("D2", double=[]).double_evaluated_areas == ()
    marked = make_referential("D3", double=["interoperability", "security"])
    assert marked.double_evaluated_areas == (Area.SECURITY, Area.INTEROPERABILITY)


def test_an_unknown_area_is_refused_in_the_file():
    data = referential_data("D4", double=["astrology"])
    with pytest.raises(ValueError) as caught:
        parse_referential(yaml.safe_dump(data))
    assert "double_evaluation" in caught.value.messages


def test_the_double_evaluation_areas_are_part_of_the_immutable_published_content(app_ctx):
    silent = parse_referential(yaml.safe_dump(referential_data("D5")))
    version, created = publish_referential(silent)
    assert created and version.double_evaluation is None
    # the same file again: nothing changes; a file that now names areas: refused
    assert publish_referential(silent) == (version, False)
    marked = parse_referential(yaml.safe_dump(referential_data("D5", double=["ethics"])))
    with pytest.raises(ReferentialImmutable):
        publish_referential(marked)
    assert version.double_evaluated_areas == (Area.SECURITY, Area.ETHICS)


# --- blind evaluation -------------------------------------------------------------------


def test_verdicts_in_double_areas_stay_the_agents_own_and_hidden(app_ctx):
    first, second, lead = (make_user(Role.AGENT) for _ in range(3))
    dossier = _under_evaluation(first)
    _rate(first, dossier, **ALL_COMPLIANT)
    # single-evaluated areas keep today's flow: the verdict is the dossier's at once
    assert {c.criterion.code for c in dossier.evaluations} == {"URB-01", "INT-01", "ENV-01"}
    assert set(double.verdicts_of(dossier, first.id)) == {
        c.id for c in double.double_criteria(dossier)
    }
    # another agent cannot write there before being named second evaluator
    with pytest.raises(services.DossierError):
        _rate(second, dossier, SEC_01=NC)
    double.assign_second_evaluator(lead, dossier, second)
    assert can_record_independent_evaluation(second, dossier)
    assert not can_record_independent_evaluation(lead, dossier)  # two evaluators already
    _rate(second, dossier, SEC_01=NC, SEC_02=C, ETH_01=NA)
    # nobody sees the other's verdicts before both have handed in
    for agent in (first, second, lead):
        assert not can_see_independent_evaluations(agent, dossier)
    assert can_see_own_independent_evaluation(first, dossier)
    assert not can_see_own_independent_evaluation(lead, dossier)
    double.finish_independent_evaluation(first, dossier)
    assert not can_see_independent_evaluations(second, dossier)
    assert not can_record_independent_evaluation(first, dossier)  # handed in: locked
    with pytest.raises(services.DossierError):
        _rate(first, dossier, SEC_01=NC)
    double.finish_independent_evaluation(second, dossier)
    for agent in (first, second, lead):
        assert can_see_independent_evaluations(agent, dossier)
    assert not can_see_independent_evaluations(make_user(Role.CITIZEN), dossier)


def test_an_evaluator_hands_in_only_when_every_double_criterion_is_rated(app_ctx):
    agent = make_user(Role.AGENT)
    dossier = _under_evaluation(agent)
    _rate(agent, dossier, SEC_01=C)
    with pytest.raises(services.DossierError) as caught:
        double.finish_independent_evaluation(agent, dossier)
    assert "SEC-02" in str(caught.value) and "ETH-01" in str(caught.value)
    with pytest.raises(services.DossierError):
        double.finish_independent_evaluation(make_user(Role.AGENT), dossier)


def test_naming_the_second_evaluator(app_ctx):
    first, second, lead = (make_user(Role.AGENT) for _ in range(3))
    dossier = _under_evaluation(first)
    _rate(first, dossier, SEC_01=C)
    with pytest.raises(services.DossierError):
        double.assign_second_evaluator(lead, dossier, lead)  # not oneself
    with pytest.raises(services.DossierError):
        double.assign_second_evaluator(lead, dossier, first)  # already the first
    double.assign_second_evaluator(lead, dossier, second)
    assert double.assign_second_evaluator(lead, dossier, second).agent_id == second.id
    told = db.session.scalars(select(Notification).where(Notification.user_id == second.id))
    assert [n.kind for n in told] == ["dossier.second_evaluation"]  # once
    with pytest.raises(services.DossierError):
        double.assign_second_evaluator(first, dossier, make_user(Role.AGENT))
    assert double.lead_agent_id(dossier) == lead.id
    single = _under_evaluation(first, make_referential("SINGLE", double=[]))
    with pytest.raises(services.DossierError):
        double.assign_second_evaluator(lead, single, second)


# --- agreement and reconciliation ----------------------------------------------------------


def _both_handed_in(first, second, lead, first_verdicts, second_verdicts):
    dossier = _under_evaluation(first)
    _rate(first, dossier, **{**ALL_COMPLIANT, **first_verdicts})
    double.assign_second_evaluator(lead, dossier, second)
    _rate(second, dossier, **second_verdicts)
    double.finish_independent_evaluation(first, dossier)
    double.finish_independent_evaluation(second, dossier)
    return dossier


def test_agreement_divergences_and_reconciliation_before_the_dossier_is_evaluated(app_ctx):
    first, second = make_user(Role.AGENT), make_user(Role.AGENT)
    dossier = _both_handed_in(
        first, second, first, {"ETH_01": NA}, {"SEC_01": C, "SEC_02": NC, "ETH_01": C}
    )
    agreement = double.agreement_of(dossier)
    # pairs (C,C) (C,NC) (NA,C): p_o = 1/3; first: C 2/3, NA 1/3; second: C 2/3, NC 1/3
    # p_e = 2/3·2/3 = 4/9; κ = (1/3 − 4/9) / (5/9) = −1/5
    assert (agreement.compared, agreement.agreed) == (3, 1)
    assert agreement.percent == Fraction(1, 3)
    assert agreement.kappa == Fraction(-1, 5)
    assert [d.criterion.code for d in double.divergences(dossier)] == ["SEC-02", "ETH-01"]
    assert double.agreement_of(dossier, Area.SECURITY).percent == Fraction(1, 2)
    # the agreed criterion has its common verdict, with both comments
    finals = {e.criterion.code: e for e in dossier.evaluations}
    assert finals["SEC-01"].verdict is C
    assert finals["SEC-01"].comment == f"avis {first.id} / avis {second.id}"
    assert "SEC-02" not in finals and "ETH-01" not in finals
    with pytest.raises(services.DossierError) as caught:
        services.complete_evaluation(first, dossier)
    assert "SEC-02, ETH-01" in str(caught.value)
    assert dossier.state is S.UNDER_EVALUATION
    # only the lead agent (here the first evaluator, who named the second) reconciles
    assert can_reconcile(first, dossier) and not can_reconcile(second, dossier)
    with pytest.raises(services.DossierError):
        double.reconcile_divergence(second, dossier, "SEC-02", C, "Vu la preuve.")
    with pytest.raises(services.DossierError):
        double.reconcile_divergence(first, dossier, "SEC-02", C, "   ")  # reason mandatory
    with pytest.raises(services.DossierError):
        double.reconcile_divergence(first, dossier, "SEC-01", C, "Pas une divergence.")
    with pytest.raises(services.DossierError):
        double.reconcile_divergence(first, dossier, "SEC-02", NA, "Non applicable ?")
    double.reconcile_divergence(first, dossier, "SEC-02", C, "Chiffrement attesté par la pièce.")
    assert [d.criterion.code for d in double.pending_divergences(dossier)] == ["ETH-01"]
    with pytest.raises(services.DossierError) as caught:
        services.complete_evaluation(first, dossier)
    assert "ETH-01" in str(caught.value) and "SEC-02" not in str(caught.value)
    double.reconcile_divergence(first, dossier, "ETH-01", NA, "Aucun contenu concerné.")
    final = next(e for e in dossier.evaluations if e.criterion.code == "ETH-01")
    assert (final.verdict, final.reconciliation_reason, final.evaluator_id) == (
        NA,
        "Aucun contenu concerné.",
        first.id,
    )
    services.complete_evaluation(first, dossier, "ok")
    assert dossier.state is S.EVALUATED


def test_the_dossier_waits_for_the_second_evaluator(app_ctx):
    agent = make_user(Role.AGENT)
    dossier = _under_evaluation(agent)
    _rate(agent, dossier, **ALL_COMPLIANT)
    with pytest.raises(services.DossierError) as caught:
        services.complete_evaluation(agent, dossier)
    assert "second évaluateur" in str(caught.value)
    double.assign_second_evaluator(agent, dossier, make_user(Role.AGENT))
    double.finish_independent_evaluation(agent, dossier)
    with pytest.raises(services.DossierError) as caught:
        services.complete_evaluation(agent, dossier)
    assert "remis" in str(caught.value)


def test_full_agreement_needs_no_reconciliation(app_ctx):
    first, second = make_user(Role.AGENT), make_user(Role.AGENT)
    dossier = _both_handed_in(first, second, first, {}, {"SEC_01": C, "SEC_02": C, "ETH_01": C})
    agreement = double.agreement_of(dossier)
    assert agreement.percent == 1 and agreement.kappa is None  # one category only
    assert double.divergences(dossier) == []
    services.complete_evaluation(first, dossier)
    assert dossier.state is S.EVALUATED
