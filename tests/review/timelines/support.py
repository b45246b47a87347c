"""A decided dossier with known dates, for the timelines' tests and the accessibility audit."""

from datetime import UTC, date, datetime

from ens_core.accounts.models import Role
from ens_core.db import db
from review.commission.models import College, VoteChoice
from review.decisions import services as decisions
from review.decisions.models import Outcome, Permission
from review.dossiers.models import DossierState, InformationRequest
from tests.factories import (
    approved_uses,
    give_opinion,
    make_evaluated_dossier,
    make_member,
    make_sandbox_client,
    make_service,
    make_user,
)

SUBMITTED = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
DATES = {
    DossierState.SUBMITTED: SUBMITTED,
    DossierState.ADMISSIBLE: datetime(2025, 9, 8, 9, 0, tzinfo=UTC),
    DossierState.EVALUATED: datetime(2025, 11, 3, 9, 0, tzinfo=UTC),
}
SESSION = datetime(2025, 11, 20, 13, 0, tzinfo=UTC)
DECIDED = datetime(2025, 12, 10, 10, 0, tzinfo=UTC)  # 100 days after submission


def make_decided_dossier(outcome=Outcome.REFERENCED, *, organisation=None):
    """A dossier played through the services, then dated: submitted 1 September 2025,
    one information request answered after 12 days, decided 10 December 2025."""
    agent = make_user(Role.AGENT, email="instructeur@autorite.example")
    decisions.grant_permission(None, agent, Permission.DECISION)
    chair = make_member(College.CO_CHAIR)
    service = make_service(organisation, name="Cardio Plus", slug="cardio-plus")
    make_sandbox_client(service, "openid patient/Observation.rs")
    dossier = make_evaluated_dossier(service)
    dossier.submitted_at = SUBMITTED
    for transition in dossier.transitions:
        transition.at = DATES.get(transition.to_state, transition.at)
    dossier.information_requests.append(
        InformationRequest(
            questions="Données personnelles de M. Dupont ?",
            asked_at=datetime(2025, 9, 15, 9, 0, tzinfo=UTC),
            deadline=date(2025, 10, 15),
            answer="Réponse",
            answered_at=datetime(2025, 9, 27, 18, 0, tzinfo=UTC),
        )
    )
    choice = VoteChoice.FAVOURABLE if outcome is Outcome.REFERENCED else VoteChoice.UNFAVOURABLE
    item = give_opinion(agent, chair, dossier, choice)
    item.session.held_at = SESSION  # held in the past: the mandates checked are today's
    decisions.record_decision(
        agent,
        dossier,
        outcome=outcome,
        reasons="Motifs" if outcome is Outcome.REFUSED else "",
        approved_uses=approved_uses() if outcome is Outcome.REFERENCED else None,
        now=DECIDED,
    )
    db.session.flush()
    return service, dossier
