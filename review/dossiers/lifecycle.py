"""The dossier state machine: which transition is legal, and recording it.

``transition`` is the only way a dossier changes state; every package (evaluation,
commission, decisions, sanctions) goes through it, so the history is complete.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ens_core.db import db, utcnow
from review.dossiers.models import Dossier, DossierState, DossierTransition

S = DossierState
# The states up to the evaluation, in the order a dossier reaches them.
TO_EVALUATION = (
    S.DRAFT,
    S.SUBMITTED,
    S.ADMISSIBLE,
    S.UNDER_EVALUATION,
    S.INFORMATION_REQUESTED,
    S.EVALUATED,
)
PRE_DECISION = {*TO_EVALUATION, S.SCHEDULED, S.OPINION_GIVEN}

ALLOWED: dict[DossierState, set[DossierState]] = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.ADMISSIBLE, S.INADMISSIBLE},
    S.ADMISSIBLE: {S.UNDER_EVALUATION},
    S.UNDER_EVALUATION: {S.INFORMATION_REQUESTED, S.EVALUATED},
    S.INFORMATION_REQUESTED: {S.UNDER_EVALUATION, S.CLOSED},
    S.EVALUATED: {S.SCHEDULED},
    S.SCHEDULED: {S.OPINION_GIVEN, S.EVALUATED},  # back to evaluated if taken off an agenda
    S.OPINION_GIVEN: {S.REFERENCED, S.REFERENCED_PENDING, S.REFUSED},
    S.REFERENCED_PENDING: {S.REFERENCED, S.REFUSED},
}
for _state in PRE_DECISION:
    ALLOWED.setdefault(_state, set()).add(S.WITHDRAWN)


class IllegalTransition(ValueError):
    """The dossier cannot go from its current state to the one asked."""

    def __init__(self, dossier: Dossier, to_state: DossierState):
        self.dossier = dossier
        self.to_state = to_state
        super().__init__(
            _(
                "Le dossier est « %(current)s » : il ne peut pas passer à « %(target)s ».",
                current=dossier.state.label,
                target=to_state.label,
            )
        )


def can_transition(dossier: Dossier, to_state: DossierState) -> bool:
    return to_state in ALLOWED.get(dossier.state, set())


def transition(
    dossier: Dossier, to_state: DossierState, *, actor, comment: str = ""
) -> DossierTransition:
    """Move ``dossier`` to ``to_state`` and record who did it; raises IllegalTransition."""
    if not can_transition(dossier, to_state):
        raise IllegalTransition(dossier, to_state)
    record = DossierTransition(
        from_state=dossier.state,
        to_state=to_state,
        actor_id=getattr(actor, "id", None),
        at=utcnow(),
        comment=comment,
    )
    dossier.transitions.append(record)
    dossier.state = to_state
    db.session.flush()
    return record
