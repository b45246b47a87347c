"""Every dossier's clock — submitted, admissible, information requests (with the paused
days), evaluated, commission session, decision — read from the dossier's recorded
transitions, its information requests, the agenda and the decision; and the facts the
public statistics need. Read-only: nothing here writes.

No personal data leaves this module: no names, no questions or answers, only dates,
states and the service's public name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import Service
from catalogue.public.timelines import PublicTimeline, TimelineStep
from ens_core.db import db
from ens_core.i18n import local_date
from review.commission.models import AgendaItem, ItemStatus
from review.decisions.models import Decision, Outcome
from review.dossiers.models import Dossier, DossierState
from review.sovereignty.models import SovereigntyCase
from review.sovereignty.services import breach_label
from review.surveillance.models import Sanction, SanctionKind
from review.timelines.stats import DecidedDossier

S = DossierState
# Milestone kinds, in the order a dossier reaches them.
SUBMITTED, ADMISSIBILITY, INFORMATION, EVALUATED, SESSION, DECISION, ENDED = (
    "submitted",
    "admissibility",
    "information_request",
    "evaluated",
    "session",
    "decision",
    "ended",
)


@dataclass(frozen=True)
class PausedPeriod:
    asked_at: datetime
    answered_at: datetime | None

    def days(self, today: date | None = None) -> int:
        """Calendar days the clock stood still (to today while unanswered)."""
        end = self.answered_at.date() if self.answered_at else (today or date.today())
        return max(0, (end - self.asked_at.date()).days)


@dataclass
class DossierClock:
    """The dated milestones of one dossier (``None`` where not reached)."""

    dossier_id: int
    service_id: int
    referential_version: str
    state: DossierState
    submitted_at: datetime | None = None
    admissibility_at: datetime | None = None
    admissible: bool | None = None
    pauses: list[PausedPeriod] = field(default_factory=list)
    evaluated_at: datetime | None = None
    session_at: datetime | None = None
    session_held: bool = False
    decided_at: datetime | None = None
    outcome: Outcome | None = None
    ended_at: datetime | None = None  # withdrawn, closed, inadmissible

    @property
    def paused_days(self) -> int:
        return sum(p.days() for p in self.pauses)

    def days_from_submission(self, moment: datetime | None) -> int | None:
        if self.submitted_at is None or moment is None:
            return None
        return (moment.date() - self.submitted_at.date()).days

    def as_decided(self) -> DecidedDossier | None:
        if self.submitted_at is None or self.decided_at is None:
            return None
        return DecidedDossier(
            submitted_on=self.submitted_at.date(),
            decided_on=self.decided_at.date(),
            refused=self.outcome is Outcome.REFUSED,
            information_requests=len(self.pauses),
            paused_days=self.paused_days,
        )


def _first(dossier: Dossier, states) -> datetime | None:
    return next((t.at for t in dossier.transitions if t.to_state in states), None)


def _last(dossier: Dossier, states) -> datetime | None:
    return next((t.at for t in reversed(dossier.transitions) if t.to_state in states), None)


def clock_of(dossier: Dossier, decision: Decision | None, items: list[AgendaItem]) -> DossierClock:
    """The clock of ``dossier`` from its transitions, information requests, agenda items
    (``items``: the dossier's, any order) and decision."""
    clock = DossierClock(
        dossier_id=dossier.id,
        service_id=dossier.service_id,
        referential_version=dossier.referential_version.version
        if dossier.referential_version
        else "",
        state=dossier.state,
        submitted_at=dossier.submitted_at,
        admissibility_at=_first(dossier, {S.ADMISSIBLE, S.INADMISSIBLE}),
        evaluated_at=_last(dossier, {S.EVALUATED}),
        ended_at=_last(dossier, {S.WITHDRAWN, S.CLOSED}),
        pauses=[
            PausedPeriod(r.asked_at, r.answered_at)
            for r in sorted(dossier.information_requests, key=lambda r: r.asked_at)
        ],
    )
    if clock.admissibility_at is not None:
        clock.admissible = _first(dossier, {S.INADMISSIBLE}) is None
    live = [i for i in items if i.status is not ItemStatus.WITHDRAWN]
    held = [i for i in live if i.status is ItemStatus.CLOSED]
    if held or live:
        item = max(held or live, key=lambda i: i.session.held_at)
        clock.session_at, clock.session_held = item.session.held_at, bool(held)
    if decision is not None:
        clock.decided_at, clock.outcome = decision.decided_at, decision.outcome
    return clock


def _clocks(*conditions, order_by=()) -> list[DossierClock]:
    """The clocks of the dossiers meeting ``conditions``, in four queries whatever their
    number (the decisions and agenda items are selected by a subquery, not by ids)."""
    dossiers = list(
        db.session.scalars(
            select(Dossier)
            .where(*conditions)
            .order_by(*order_by)
            .options(
                selectinload(Dossier.transitions),
                selectinload(Dossier.information_requests),
                selectinload(Dossier.referential_version),
            )
        )
    )
    if not dossiers:
        return []
    chosen = select(Dossier.id).where(*conditions)
    decisions = {
        d.dossier_id: d
        for d in db.session.scalars(select(Decision).where(Decision.dossier_id.in_(chosen)))
    }
    items: dict[int, list[AgendaItem]] = {}
    for item in db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.dossier_id.in_(chosen))
        .options(selectinload(AgendaItem.session))
    ):
        items.setdefault(item.dossier_id, []).append(item)
    return [clock_of(d, decisions.get(d.id), items.get(d.id, [])) for d in dossiers]


def clocks_of_service(service: Service) -> list[DossierClock]:
    """The clocks of the service's submitted dossiers, newest first."""
    return _clocks(
        Dossier.service_id == service.id,
        Dossier.submitted_at.is_not(None),
        order_by=(Dossier.submitted_at.desc(), Dossier.id.desc()),
    )


def decided_clocks() -> list[DossierClock]:
    """The clocks of every decided dossier, oldest decision first."""
    clocks = _clocks(Dossier.id.in_(select(Decision.dossier_id)))
    return sorted(clocks, key=lambda c: (c.decided_at, c.dossier_id))


def decided_dossiers() -> list[DecidedDossier]:
    return [d for d in (c.as_decided() for c in decided_clocks()) if d is not None]


def suspension_causes() -> list[str]:
    """One cause per suspension and ground: each breach of a sovereignty case that
    suspended its service, and "sanction" for each suspension decided as a sanction."""
    causes = []
    cases = db.session.scalars(
        select(SovereigntyCase).where(SovereigntyCase.suspended_service.is_(True))
    )
    for case in cases:
        codes = dict.fromkeys(b.get("code", "") for b in case.breaches or [])
        causes.extend(breach_label(code) for code in codes)
    sanctions = db.session.scalars(
        select(Sanction.id).where(Sanction.decided_kind == SanctionKind.SUSPENSION)
    )
    causes.extend(_("sanction après une procédure contradictoire") for _id in sanctions)
    return causes


# --- the service's public page -----------------------------------------------------------


def _information_steps(clock: DossierClock) -> list[TimelineStep]:
    steps = []
    for pause in clock.pauses:
        if pause.answered_at is None:
            detail = _(
                "en attente de la réponse de l'éditeur : délai suspendu depuis %(n)s jours",
                n=pause.days(),
            )
        else:
            detail = _(
                "réponse de l'éditeur en %(n)s jours : délai suspendu d'autant", n=pause.days()
            )
        steps.append(TimelineStep(_("Compléments demandés à l'éditeur"), pause.asked_at, detail))
    return steps


def _steps(clock: DossierClock) -> list[TimelineStep]:
    steps = [TimelineStep(_("Dossier déposé"), clock.submitted_at)]
    if clock.admissibility_at is not None:
        label = _("Dossier recevable") if clock.admissible else _("Dossier irrecevable")
        steps.append(TimelineStep(label, clock.admissibility_at))
    steps.extend(_information_steps(clock))
    if clock.evaluated_at is not None:
        steps.append(TimelineStep(_("Évaluation terminée"), clock.evaluated_at))
    if clock.session_at is not None:
        if clock.session_held:
            steps.append(TimelineStep(_("Examen en séance de la commission"), clock.session_at))
        else:
            steps.append(
                TimelineStep(
                    _("Inscrit à une séance de la commission"), clock.session_at, upcoming=True
                )
            )
    if clock.decided_at is not None:
        label = (
            _("Décision : refus")
            if clock.outcome is Outcome.REFUSED
            else _("Décision : référencement")
        )
        steps.append(TimelineStep(label, clock.decided_at))
    elif clock.ended_at is not None:
        label = _("Dossier retiré") if clock.state is S.WITHDRAWN else _("Dossier clos")
        steps.append(TimelineStep(label, clock.ended_at))
    return sorted(steps, key=lambda s: _moment(s.on))


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())


def public_timeline(clock: DossierClock) -> PublicTimeline:
    days = clock.days_from_submission(clock.decided_at)
    return PublicTimeline(
        title=_(
            "Dossier déposé le %(date)s (référentiel %(version)s) — %(state)s",
            date=local_date(clock.submitted_at),
            version=clock.referential_version,
            state=clock.state.label,
        ),
        steps=_steps(clock),
        days_to_decision=days,
        paused_days=clock.paused_days,
        review_days=None if days is None else max(0, days - clock.paused_days),
    )


def public_timelines(service: Service) -> list[PublicTimeline]:
    """What the catalogue's slot asks for: the service's dossiers, newest first."""
    return [public_timeline(c) for c in clocks_of_service(service)]
