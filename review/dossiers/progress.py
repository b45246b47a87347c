"""Where a dossier stands, for its editor: the stages on its way to a decision with the
date each ended or should end, the open information requests, and the next step. It is
what the editor portal's ``REFERENCING_STEP`` slot asks for (the catalogue never reads
review's tables).

Expected dates are targets, not deadlines the law sets: admissibility within
``ADMISSIBILITY_DAYS`` of filing, evaluation within ``EVALUATION_DAYS`` of review time
(days waiting for the editor's answers do not count), an opinion at the session the dossier
is on (else ``SCHEDULING_DAYS`` after evaluation), a decision ``DECISION_DAYS`` after it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalogue.editor.services import DossierStage, NextStep, OpenRequest, ReferencingProgress
from catalogue.models import Service
from ens_core.i18n import local_date
from review.commission.queries import session_date_of
from review.dossiers.models import Dossier, DossierState
from review.dossiers.services import (
    EDITABLE_STATES,
    latest_dossier_of,
    open_dossier_of,
    open_information_request,
    referencing_step,
)

S = DossierState
ADMISSIBILITY_DAYS = 15
EVALUATION_DAYS = 60
SCHEDULING_DAYS = 45
DECISION_DAYS = 30

# (key, the states in which the stage is the current one, the states that end it)
STAGES = (
    ("prepare", {S.DRAFT}, {S.SUBMITTED}),
    ("admissibility", {S.SUBMITTED}, {S.ADMISSIBLE, S.INADMISSIBLE}),
    (
        "evaluation",
        {S.ADMISSIBLE, S.UNDER_EVALUATION, S.INFORMATION_REQUESTED},
        {S.EVALUATED, S.CLOSED},
    ),
    ("commission", {S.EVALUATED, S.SCHEDULED}, {S.OPINION_GIVEN}),
    ("decision", {S.OPINION_GIVEN, S.REFERENCED_PENDING}, {S.REFERENCED, S.REFUSED}),
)
STATE_SENTENCES = {
    S.DRAFT: _l("Dossier en préparation : complétez-le, puis déposez-le."),
    S.SUBMITTED: _l("Dossier déposé : l'autorité vérifie qu'il est complet."),
    S.ADMISSIBLE: _l("Dossier recevable : son évaluation va commencer."),
    S.UNDER_EVALUATION: _l("Dossier en cours d'évaluation par l'autorité."),
    S.INFORMATION_REQUESTED: _l("L'autorité attend vos compléments."),
    S.EVALUATED: _l("Dossier évalué : il attend d'être inscrit à une séance de la commission."),
    S.SCHEDULED: _l("Dossier inscrit à l'ordre du jour d'une séance de la commission."),
    S.OPINION_GIVEN: _l("La commission a rendu son avis : la décision de l'autorité suit."),
    S.REFERENCED_PENDING: _l("Référencement accordé sous réserves : levez-les pour être publié."),
    S.REFERENCED: _l("Dossier accepté : le service est référencé."),
    S.REFUSED: _l("Dossier refusé : les motifs figurent dans le dossier."),
    S.WITHDRAWN: _l("Dossier retiré."),
    S.INADMISSIBLE: _l("Dossier jugé irrecevable."),
    S.CLOSED: _l("Dossier clos : les compléments n'ont pas été fournis à temps."),
}
# States the editor has nothing to do in: the authority or the commission acts.
WAITING_STATES = {
    S.SUBMITTED,
    S.ADMISSIBLE,
    S.UNDER_EVALUATION,
    S.EVALUATED,
    S.SCHEDULED,
    S.OPINION_GIVEN,
    S.REFERENCED_PENDING,
}


def stage_label(key: str) -> str:
    return {
        "prepare": _("Préparation et dépôt du dossier"),
        "admissibility": _("Vérification de la recevabilité"),
        "evaluation": _("Évaluation par l'autorité"),
        "commission": _("Avis de la commission"),
        "decision": _("Décision de référencement"),
    }[key]


def _ended_on(dossier: Dossier, states: set) -> date | None:
    """When the dossier last reached one of ``states``."""
    dates = [t.at.date() for t in dossier.transitions if t.to_state in states]
    return max(dates) if dates else None


def _target(dossier: Dossier, key: str, start: date, today: date) -> date:
    if key == "prepare":
        return max(start, today)
    if key == "admissibility":
        return start + timedelta(days=ADMISSIBILITY_DAYS)
    if key == "evaluation":
        waiting = open_information_request(dossier)
        paused = dossier.paused_days
        if waiting is not None:
            paused += max(0, (max(today, waiting.deadline) - waiting.asked_at.date()).days)
        return start + timedelta(days=EVALUATION_DAYS + paused)
    if key == "commission":
        held = session_date_of(dossier.id)
        return held.date() if held else start + timedelta(days=SCHEDULING_DAYS)
    return start + timedelta(days=DECISION_DAYS)


def dossier_stages(dossier: Dossier, today: date | None = None) -> list[DossierStage]:
    """The five stages, each done (with the day it ended), current or upcoming (with the
    day it should end). A dossier that stopped (withdrawn, inadmissible, closed) shows
    where it stopped and nothing after."""
    today = today or date.today()
    current = next((i for i, (_k, now, _e) in enumerate(STAGES) if dossier.state in now), None)
    if current is None:  # final: done up to the last stage that ended
        ended = [i for i, (_k, _n, ends) in enumerate(STAGES) if _ended_on(dossier, ends)]
        current = (max(ended) + 1) if ended else 0
        stopped = dossier.state not in (S.REFERENCED, S.REFUSED)
    else:
        stopped = False
    stages, start = [], dossier.created_at.date()
    for index, (key, _now, ends) in enumerate(STAGES):
        if index < current:
            on = _ended_on(dossier, ends) or start
            if key == "prepare" and dossier.submitted_at:
                on = dossier.submitted_at.date()
            stages.append(DossierStage(stage_label(key), "done", on))
        elif stopped:
            break
        else:
            # A stage under way past its target is expected today at the earliest.
            on = max(_target(dossier, key, start, today), today)
            stages.append(
                DossierStage(stage_label(key), "current" if index == current else "upcoming", on)
            )
        start = on
    return stages


def _requests(service: Service, dossier: Dossier, today: date) -> tuple[OpenRequest, ...]:
    waiting = open_information_request(dossier)
    if waiting is None:
        return ()
    url = url_for("editor_dossiers.show", dossier_id=dossier.id, _anchor="waiting-title")
    return (
        OpenRequest(
            service.name, waiting.questions, waiting.deadline, url, waiting.is_overdue(today)
        ),
    )


def state_summary(dossier: Dossier) -> str:
    """The dossier's state in a sentence that says who acts next."""
    state = dossier.state
    if state is S.SCHEDULED:
        held = session_date_of(dossier.id)
        if held:
            return _(
                "Dossier inscrit à l'ordre du jour de la séance de la commission du %(date)s.",
                date=local_date(held.date()),
            )
    if state is S.INFORMATION_REQUESTED:
        waiting = open_information_request(dossier)
        if waiting is not None:
            return _(
                "L'autorité attend vos compléments avant le %(date)s.",
                date=local_date(waiting.deadline),
            )
    return str(STATE_SENTENCES.get(state, state.label))


def referencing_progress(service: Service, today: date | None = None) -> ReferencingProgress:
    """What the editor portal shows about ``service``'s referencing."""
    today = today or date.today()
    step = NextStep(*referencing_step(service))
    open_dossier = open_dossier_of(service)
    dossier = open_dossier or latest_dossier_of(service)
    if dossier is None:
        return ReferencingProgress(step)
    return ReferencingProgress(
        step,
        state=state_summary(dossier),
        under_way=open_dossier is not None,
        editor_acts=open_dossier is None or dossier.state in EDITABLE_STATES,
        requests=_requests(service, dossier, today),
        stages=tuple(dossier_stages(dossier, today)),
    )
