"""Double evaluation: the areas the referential marks are evaluated by two agents, blind.

How it goes (DESIGN.md, "Double evaluation"):

1. the first agent who records a verdict in a double-evaluated area becomes the *first
   evaluator*; another agent names the *second evaluator* and so becomes the dossier's
   *lead agent* (he may be the first evaluator himself, never the second);
2. each evaluator records their own verdicts (``IndependentEvaluation``), then hands in
   their evaluation once every criterion of those areas is rated; until both have, neither
   sees the other's verdicts (``policies.can_see_independent_evaluations``);
3. when both have finished, the criteria they agree on get their common verdict as the
   dossier's verdict; each divergence waits for the lead agent, who chooses the final
   verdict and must say why;
4. the dossier cannot be marked evaluated while a divergence is not reconciled.

Services only flush; the views check the policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from ens_core.db import db, utcnow
from ens_core.notifications.services import notify
from review.dossiers.agreement import Agreement, compare
from review.dossiers.errors import DossierError
from review.dossiers.models import (
    CriterionEvaluation,
    Dossier,
    DossierEvaluator,
    DossierState,
    EvaluatorRole,
    IndependentEvaluation,
    Verdict,
)
from review.referential.models import Area, Criterion

S = DossierState
ASSIGNABLE_STATES = {S.ADMISSIBLE, S.UNDER_EVALUATION, S.INFORMATION_REQUESTED}


# --- reading ----------------------------------------------------------------------------


def double_areas(dossier: Dossier) -> tuple[Area, ...]:
    """The areas of the dossier's referential version evaluated twice."""
    version = dossier.referential_version
    return version.double_evaluated_areas if version is not None else ()


def double_criteria(dossier: Dossier) -> list[Criterion]:
    areas = set(double_areas(dossier))
    version = dossier.referential_version
    return [c for c in version.criteria if c.area in areas] if version is not None else []


def evaluator(dossier: Dossier, role: EvaluatorRole) -> DossierEvaluator | None:
    return next((e for e in dossier.evaluators if e.role is role), None)


def evaluator_of(dossier: Dossier, user) -> DossierEvaluator | None:
    user_id = getattr(user, "id", None)
    return next((e for e in dossier.evaluators if e.agent_id == user_id), None)


def lead_agent_id(dossier: Dossier) -> int | None:
    """The agent who named the second evaluator: he reconciles the divergences."""
    second = evaluator(dossier, EvaluatorRole.SECOND)
    return second.assigned_by_id if second is not None else None


def both_finished(dossier: Dossier) -> bool:
    finished = [e for e in dossier.evaluators if e.finished]
    return len(finished) == 2


def agreed_at(dossier: Dossier) -> datetime | None:
    """When the second evaluator handed in (the agreement exists from then on)."""
    if not both_finished(dossier):
        return None
    return max(e.finished_at for e in dossier.evaluators)


def verdicts_of(dossier: Dossier, agent_id: int | None) -> dict[int, IndependentEvaluation]:
    """One agent's own verdicts, by criterion id. Show them to that agent only, or to
    anyone once both have finished (the views check the policy)."""
    return {
        item.criterion_id: item
        for item in dossier.independent_evaluations
        if item.evaluator_id == agent_id
    }


def _pair(dossier: Dossier) -> tuple[dict, dict]:
    first = evaluator(dossier, EvaluatorRole.FIRST)
    second = evaluator(dossier, EvaluatorRole.SECOND)
    return (
        verdicts_of(dossier, first.agent_id if first else None),
        verdicts_of(dossier, second.agent_id if second else None),
    )


def rated_pairs(dossier: Dossier) -> list[tuple[Criterion, Verdict, Verdict]]:
    """``(criterion, first's verdict, second's verdict)`` for every criterion both rated."""
    first, second = _pair(dossier)
    return [
        (c, first[c.id].verdict, second[c.id].verdict)
        for c in double_criteria(dossier)
        if c.id in first and c.id in second
    ]


def agreement_of(dossier: Dossier, area: Area | None = None) -> Agreement:
    """Percent agreement and κ over the criteria (of ``area``, or of every double-evaluated
    area) both evaluators rated; ``divergences`` are criterion codes."""
    first, second = _pair(dossier)
    criteria = [c for c in double_criteria(dossier) if area is None or c.area is area]
    return compare(
        {c.code: first[c.id].verdict if c.id in first else None for c in criteria},
        {c.code: second[c.id].verdict if c.id in second else None for c in criteria},
    )


@dataclass(frozen=True)
class Divergence:
    criterion: Criterion
    first: IndependentEvaluation
    second: IndependentEvaluation
    final: CriterionEvaluation | None  # set once the lead agent has reconciled it

    @property
    def reconciled(self) -> bool:
        return self.final is not None and self.final.reconciliation_reason is not None


def divergences(dossier: Dossier) -> list[Divergence]:
    """The criteria on which the two evaluators differ, in the referential's order."""
    first, second = _pair(dossier)
    finals = {e.criterion_id: e for e in dossier.evaluations}
    return [
        Divergence(c, first[c.id], second[c.id], finals.get(c.id))
        for c in double_criteria(dossier)
        if c.id in first and c.id in second and first[c.id].verdict is not second[c.id].verdict
    ]


def pending_divergences(dossier: Dossier) -> list[Divergence]:
    return [d for d in divergences(dossier) if not d.reconciled]


def completion_problems(dossier: Dossier) -> list[str]:
    """What in the double evaluation prevents marking the dossier evaluated."""
    if not double_criteria(dossier):
        return []
    names = ", ".join(str(area.label) for area in double_areas(dossier))
    if evaluator(dossier, EvaluatorRole.SECOND) is None:
        return [
            _(
                "Double évaluation (%(areas)s) : aucun second évaluateur n'est désigné.",
                areas=names,
            )
        ]
    if not both_finished(dossier):
        return [
            _(
                "Double évaluation (%(areas)s) : les deux évaluateurs n'ont pas encore "
                "remis leur évaluation.",
                areas=names,
            )
        ]
    pending = pending_divergences(dossier)
    if pending:
        return [
            ngettext(
                "%(num)d divergence entre les évaluateurs reste à arbitrer : %(codes)s.",
                "%(num)d divergences entre les évaluateurs restent à arbitrer : %(codes)s.",
                len(pending),
                codes=", ".join(d.criterion.code for d in pending),
            )
        ]
    return []


# --- acting -----------------------------------------------------------------------------


def require_under_evaluation(dossier: Dossier) -> None:
    """Verdicts are recorded only while the dossier is under evaluation."""
    if dossier.state is not S.UNDER_EVALUATION:
        raise DossierError(
            _(
                "Le dossier est « %(state)s » : il n'est pas en évaluation.",
                state=dossier.state.label,
            )
        )


def assign_second_evaluator(lead, dossier: Dossier, agent) -> DossierEvaluator:
    """``lead`` names ``agent`` second evaluator (``agent`` must hold the agent role,
    checked by the view). Naming the same agent again changes nothing."""
    if not double_criteria(dossier):
        raise DossierError(_("Aucun domaine de ce dossier n'est évalué en double."))
    if dossier.state not in ASSIGNABLE_STATES:
        raise DossierError(
            _("Le dossier est « %(state)s » : l'évaluation est close.", state=dossier.state.label)
        )
    current = evaluator(dossier, EvaluatorRole.SECOND)
    if current is not None:
        if current.agent_id == agent.id:
            return current
        raise DossierError(_("Un second évaluateur est déjà désigné pour ce dossier."))
    if agent.id == lead.id:
        raise DossierError(_("Désignez un autre agent que vous-même."))
    first = evaluator(dossier, EvaluatorRole.FIRST)
    if first is not None and first.agent_id == agent.id:
        raise DossierError(_("Cet agent est déjà le premier évaluateur du dossier."))
    record = DossierEvaluator(
        agent_id=agent.id, role=EvaluatorRole.SECOND, assigned_by_id=lead.id, assigned_at=utcnow()
    )
    dossier.evaluators.append(record)
    db.session.flush()
    notify(
        agent,
        "dossier.second_evaluation",
        _("Dossier %(name)s : seconde évaluation à l'aveugle", name=dossier.service.name),
        _(
            "%(lead)s vous a désigné second évaluateur (%(areas)s).",
            lead=lead.name,
            areas=", ".join(str(area.label) for area in double_areas(dossier)),
        ),
        f"/agent/dossiers/{dossier.id}",
    )
    return record


def _evaluator_for_writing(agent, dossier: Dossier) -> DossierEvaluator:
    """The agent's place among the evaluators; the first one to write takes the first."""
    record = evaluator_of(dossier, agent)
    if record is None:
        if evaluator(dossier, EvaluatorRole.FIRST) is not None:
            raise DossierError(
                _(
                    "Ces domaines sont évalués en double par deux agents déjà désignés : "
                    "vous ne pouvez pas y enregistrer d'avis."
                )
            )
        record = DossierEvaluator(agent_id=agent.id, role=EvaluatorRole.FIRST, assigned_at=utcnow())
        dossier.evaluators.append(record)
    if record.finished:
        raise DossierError(
            _("Vous avez déjà remis votre évaluation indépendante : elle ne change plus.")
        )
    return record


def save_independent(agent, dossier: Dossier, verdicts: dict[Criterion, tuple]) -> None:
    """Record ``agent``'s own verdicts ``{criterion: (verdict, comment)}`` (already
    checked by the caller) in the double-evaluated areas."""
    if not verdicts:
        return
    _evaluator_for_writing(agent, dossier)
    mine = verdicts_of(dossier, agent.id)
    now = utcnow()
    for criterion, (verdict, comment) in verdicts.items():
        item = mine.get(criterion.id)
        if item is None:
            item = IndependentEvaluation(criterion_id=criterion.id, evaluator_id=agent.id)
            dossier.independent_evaluations.append(item)
        item.verdict = verdict
        item.comment = comment
        item.evaluated_at = now
    db.session.flush()


def finish_independent_evaluation(agent, dossier: Dossier) -> DossierEvaluator:
    """``agent`` hands in their evaluation of the double-evaluated areas; when both have,
    the criteria they agree on get their common verdict."""
    require_under_evaluation(dossier)
    record = evaluator_of(dossier, agent)
    if record is None:
        raise DossierError(_("Vous n'êtes pas évaluateur de ce dossier."))
    if record.finished:
        raise DossierError(_("Vous avez déjà remis votre évaluation indépendante."))
    mine = verdicts_of(dossier, agent.id)
    missing = [c.code for c in double_criteria(dossier) if c.id not in mine]
    if missing:
        raise DossierError(
            _(
                "%(n)s critère(s) évalué(s) en double restent à noter : %(codes)s.",
                n=len(missing),
                codes=", ".join(missing),
            )
        )
    record.finished_at = utcnow()
    if both_finished(dossier):
        _settle_agreements(dossier)
    db.session.flush()
    return record


def _settle_agreements(dossier: Dossier) -> None:
    """The two evaluators agree: their verdict (and both comments) is the dossier's."""
    first, second = _pair(dossier)
    finals = {e.criterion_id: e for e in dossier.evaluations}
    now = utcnow()
    for criterion in double_criteria(dossier):
        a, b = first.get(criterion.id), second.get(criterion.id)
        if a is None or b is None or a.verdict is not b.verdict:
            continue
        final = finals.get(criterion.id)
        if final is None:
            final = CriterionEvaluation(criterion_id=criterion.id)
            dossier.evaluations.append(final)
        final.verdict = a.verdict
        final.comment = " / ".join(dict.fromkeys(t for t in (a.comment, b.comment) if t))
        final.evaluated_at = now
        final.evaluator_id = None
        final.reconciliation_reason = None


def reconcile_divergence(
    lead, dossier: Dossier, code: str, verdict: Verdict, reason: str
) -> CriterionEvaluation:
    """The lead agent settles the divergence on criterion ``code``: ``verdict`` becomes
    the dossier's, ``reason`` (mandatory) says why. May be done again while the dossier
    is under evaluation."""
    require_under_evaluation(dossier)
    if lead_agent_id(dossier) != getattr(lead, "id", None):
        raise DossierError(
            _("Seul l'agent qui a désigné le second évaluateur arbitre les divergences.")
        )
    divergence = next((d for d in divergences(dossier) if d.criterion.code == code), None)
    if divergence is None or not both_finished(dossier):
        raise DossierError(_("Aucune divergence à arbitrer sur ce critère."))
    if not reason.strip():
        raise DossierError(_("Motivez votre arbitrage."))
    if verdict is Verdict.NOT_APPLICABLE and not divergence.criterion.allows_not_applicable:
        raise DossierError(_("« Non applicable » n'est pas possible pour ce critère."))
    final = divergence.final
    if final is None:
        final = CriterionEvaluation(criterion_id=divergence.criterion.id)
        dossier.evaluations.append(final)
    final.verdict = verdict
    final.comment = reason.strip()
    final.reconciliation_reason = reason.strip()
    final.evaluated_at = utcnow()
    final.evaluator_id = lead.id
    dossier.updated_at = final.evaluated_at
    db.session.flush()
    return final
