import pytest

from ens_core.db import db
from review.dossiers.lifecycle import ALLOWED, IllegalTransition, transition
from review.dossiers.models import Dossier, DossierState
from tests.factories import make_service, make_user

S = DossierState


def _dossier():
    dossier = Dossier(service_id=make_service().id)
    db.session.add(dossier)
    db.session.flush()
    return dossier


def test_the_normal_path_records_every_step(app_ctx):
    agent = make_user()
    dossier = _dossier()
    path = [
        S.SUBMITTED,
        S.ADMISSIBLE,
        S.UNDER_EVALUATION,
        S.INFORMATION_REQUESTED,
        S.UNDER_EVALUATION,
        S.EVALUATED,
        S.SCHEDULED,
        S.OPINION_GIVEN,
        S.REFERENCED,
    ]
    for state in path:
        transition(dossier, state, actor=agent, comment=f"to {state}")
    assert dossier.state is S.REFERENCED
    assert [t.to_state for t in dossier.transitions] == path
    assert all(t.actor_id == agent.id for t in dossier.transitions)


@pytest.mark.parametrize("start", list(S))
def test_every_illegal_transition_is_refused_and_changes_nothing(app_ctx, start):
    dossier = _dossier()
    dossier.state = start
    for target in S:
        if target in ALLOWED.get(start, set()):
            continue
        with pytest.raises(IllegalTransition):
            transition(dossier, target, actor=None)
        assert dossier.state is start
    assert dossier.transitions == []


def test_withdrawal_is_possible_from_every_pre_decision_state_only(app_ctx):
    assert S.WITHDRAWN in ALLOWED[S.OPINION_GIVEN]
    assert S.WITHDRAWN not in ALLOWED.get(S.REFERENCED, set())
    assert S.WITHDRAWN not in ALLOWED.get(S.REFUSED, set())
