"""What a member reads before voting: the whole dossier of an agenda item, gathered through
the owning packages' service functions (read-only; nothing here writes).

The views check :func:`review.commission.policies.can_read_dossier` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalogue.public.vocabulary import plain_data_uses
from catalogue.services import declarations_of, get_service
from review.commission.services import opinion_of
from review.decisions.services import decision_of
from review.dossiers import services as dossiers
from review.referential.models import Area
from review.scoring.services import dossier_scores, score_panel
from review.sovereignty.services import breach_label, breaches_of, open_case_of


@dataclass(frozen=True)
class CriterionRow:
    """One criterion with the editor's answer (justification, evidence): what
    ``templates/review/commission/_criterion.html`` renders, next to the evaluations."""

    criterion: object
    answer: object | None


@dataclass(frozen=True)
class Hosting:
    provider: str
    country: str
    certificate_number: str | None
    certificate_expiry: date | None
    effective_from: date
    effective_to: date | None


@dataclass(frozen=True)
class Owner:
    name: str
    country: str
    share_percent: float
    declared_control: bool
    effective_from: date
    effective_to: date | None


@dataclass(frozen=True)
class SovereigntyVerdict:
    """The sovereignty engine's answer today: its breaches in words, an open case."""

    breaches: list[tuple[str, object]]
    case: object | None

    @property
    def compliant(self) -> bool:
        return not self.breaches


@dataclass(frozen=True)
class EarlierDossier:
    dossier: object
    opinion: object | None  # the closed agenda item carrying the commission's opinion
    decision: object | None


@dataclass(frozen=True)
class Renewal:
    """A renewal: what changed since the last referenced dossier."""

    changes: dossiers.RenewalChanges
    previous_decision: object | None
    scores_before: dict
    hosting_since: list[Hosting]
    owners_since: list[Owner]


@dataclass
class DossierFile:
    dossier: object
    service: object
    listing_uses: list[dict]
    criteria: list[tuple[Area, list[CriterionRow]]]
    evaluations: dict  # the agent's evaluation by criterion id
    data_uses: list[dossiers.DataUseCheck]
    hosting: list[Hosting]
    owners: list[Owner]
    sovereignty: SovereigntyVerdict
    scores: dict  # what the score partials need (scores, chart, écoscore…)
    earlier: list[EarlierDossier]
    renewal: Renewal | None


def criterion_rows(dossier) -> list[tuple[Area, list[CriterionRow]]]:
    """Every criterion of the dossier's referential version, grouped by area."""
    answers = dossiers.answers_by_criterion(dossier)
    grouped: dict[Area, list[CriterionRow]] = {area: [] for area in Area}
    for criterion in dossiers.criteria_of(dossier):
        grouped[criterion.area].append(CriterionRow(criterion, answers.get(criterion.id)))
    return [(area, rows) for area, rows in grouped.items() if rows]


def _declarations(service) -> tuple[list[Hosting], list[Owner]]:
    found = declarations_of([service.id]).get(service.id)
    if found is None:
        return [], []
    hosting = sorted((Hosting(*row) for row in found.hosting), key=lambda h: h.effective_from)
    owners = sorted((Owner(*row) for row in found.owners), key=lambda o: o.effective_from)
    return hosting, owners


def _verdict(service, today: date) -> SovereigntyVerdict:
    breaches = [(breach_label(b.code), b) for b in breaches_of(service, today)]
    return SovereigntyVerdict(breaches, open_case_of(service.id))


def _earlier(dossier) -> list[EarlierDossier]:
    return [
        EarlierDossier(other, opinion_of(other), decision_of(other))
        for other in reversed(dossiers.dossiers_of_service(dossier.service_id))
        if other.id < dossier.id
    ]


def _renewal(dossier, hosting: list[Hosting], owners: list[Owner]) -> Renewal | None:
    changes = dossiers.renewal_changes(dossier)
    if changes is None:
        return None
    decision = decision_of(changes.previous)
    since = decision.decided_at.date() if decision else date.min
    return Renewal(
        changes=changes,
        previous_decision=decision,
        scores_before=dossier_scores(changes.previous),
        hosting_since=[h for h in hosting if h.effective_from > since],
        owners_since=[o for o in owners if o.effective_from > since],
    )


def dossier_file(dossier, today: date | None = None) -> DossierFile:
    """Everything the dossier view shows, for ``dossier`` as it stands today."""
    today = today or date.today()
    service = get_service(dossier.service_id)
    hosting, owners = _declarations(service)
    return DossierFile(
        dossier=dossier,
        service=service,
        listing_uses=plain_data_uses(dossier.data_requests),
        criteria=criterion_rows(dossier),
        evaluations=dossiers.evaluations_by_criterion(dossier),
        data_uses=dossiers.data_use_checks(dossier),
        hosting=hosting,
        owners=owners,
        sovereignty=_verdict(service, today),
        scores=score_panel(dossier),
        earlier=_earlier(dossier),
        renewal=_renewal(dossier, hosting, owners),
    )
