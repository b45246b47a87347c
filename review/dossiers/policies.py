"""Who may see and act on a dossier."""

from __future__ import annotations

from catalogue.policies import can_manage_service
from ens_core.accounts.policies import can_use_agent_portal
from review.dossiers import double


def can_manage_dossier(user, dossier) -> bool:
    """Editors members of the service's organisation."""
    return dossier is not None and can_manage_service(user, dossier.service)


def can_review_dossier(user, dossier) -> bool:
    """Agents of the referencing authority."""
    return dossier is not None and can_use_agent_portal(user)


def can_download_evidence(user, dossier) -> bool:
    return can_manage_dossier(user, dossier) or can_review_dossier(user, dossier)


def can_see_independent_evaluations(user, dossier) -> bool:
    """Blind double evaluation: an agent's own verdicts in a double-evaluated area are
    seen by nobody else (not even the other evaluator or the lead agent) until both
    evaluators have handed in theirs; then by every agent."""
    return can_review_dossier(user, dossier) and double.both_finished(dossier)


def can_see_own_independent_evaluation(user, dossier) -> bool:
    """An evaluator always sees (and, until they hand it in, edits) their own."""
    return can_review_dossier(user, dossier) and double.evaluator_of(dossier, user) is not None


def can_reconcile(user, dossier) -> bool:
    """The lead agent: the one who named the second evaluator."""
    return (
        can_review_dossier(user, dossier)
        and double.lead_agent_id(dossier) is not None
        and double.lead_agent_id(dossier) == getattr(user, "id", None)
    )


def can_record_independent_evaluation(user, dossier) -> bool:
    """An agent may record blind verdicts while the dossier is under evaluation if they
    are an evaluator who has not handed in yet, or if the first evaluator's place is
    still free."""
    if not can_review_dossier(user, dossier) or dossier.state.value != "under_evaluation":
        return False
    mine = double.evaluator_of(dossier, user)
    if mine is not None:
        return not mine.finished
    return double.evaluator(dossier, double.EvaluatorRole.FIRST) is None
