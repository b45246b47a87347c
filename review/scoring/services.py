"""Scores of a dossier: per area from the agent's verdicts, and the computed écoscore.

Interfaces for the decision: :func:`dossier_scores` and :func:`ecoscore_for`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ens_core.db import db, utcnow
from review.dossiers.models import Dossier, Verdict
from review.dossiers.services import (
    EDITABLE_STATES,
    DossierError,
    criteria_of,
    evaluations_by_criterion,
)
from review.referential.models import Area
from review.scoring import ecoscore
from review.scoring.charts import bars_svg
from review.scoring.models import JourneyMeasurement

# Share of the computed écoscore in the environment area score (the rest: criteria).
ECOSCORE_SHARE = 0.5


def measurement_of(dossier: Dossier) -> JourneyMeasurement | None:
    return db.session.scalar(
        select(JourneyMeasurement).where(JourneyMeasurement.dossier_id == dossier.id)
    )


def save_measurements(editor, dossier: Dossier, steps: list[dict], measured_on: str = ""):
    """Record (replace) the journey measurements of a dossier still editable."""
    if dossier.state not in EDITABLE_STATES:
        raise DossierError(
            _(
                "Le dossier est « %(state)s » : ses mesures ne peuvent plus être modifiées.",
                state=dossier.state.label,
            )
        )
    if not steps:
        raise DossierError(_("Saisissez au moins une étape du parcours."))
    measurement = measurement_of(dossier)
    if measurement is None:
        measurement = JourneyMeasurement(dossier_id=dossier.id)
        db.session.add(measurement)
    measurement.steps = steps
    measurement.measured_on = measured_on
    measurement.submitted_at = utcnow()
    measurement.submitted_by_id = editor.id
    db.session.flush()
    return measurement


def criteria_scores(dossier: Dossier) -> dict[Area, int]:
    """Per area: weighted share (0–100) of compliant criteria among applicable evaluated
    ones (verdict compliant or non-compliant; "not applicable" ones are left out). An
    area without any applicable evaluated criterion has no score."""
    evaluated = evaluations_by_criterion(dossier)
    totals: dict[Area, list[int]] = {}
    for criterion in criteria_of(dossier):
        evaluation = evaluated.get(criterion.id)
        if evaluation is None or evaluation.verdict is Verdict.NOT_APPLICABLE:
            continue
        compliant, applicable = totals.setdefault(criterion.area, [0, 0])
        totals[criterion.area] = [
            compliant + (criterion.weight if evaluation.verdict is Verdict.COMPLIANT else 0),
            applicable + criterion.weight,
        ]
    return {
        area: round(100 * compliant / applicable)
        for area, (compliant, applicable) in totals.items()
        if applicable
    }


def national_result(dossier: Dossier) -> dict | None:
    measurement = measurement_of(dossier)
    if measurement is None or not measurement.steps:
        return None
    return ecoscore.national_ecoscore(measurement.steps)


def environment_score(criteria_score: int | None, ecoscore_value: float | None) -> int | None:
    """The environment area score: the mean of the criteria score (RGESN-inspired
    criteria, weighted share of compliant ones) and the computed national écoscore
    (/100), each counting for half (:data:`ECOSCORE_SHARE`). With only one of the two,
    that one is the score."""
    if criteria_score is None and ecoscore_value is None:
        return None
    if ecoscore_value is None:
        return criteria_score
    if criteria_score is None:
        return round(ecoscore_value)
    return round((1 - ECOSCORE_SHARE) * criteria_score + ECOSCORE_SHARE * ecoscore_value)


def dossier_scores(dossier: Dossier) -> dict[str, int]:
    """Scores 0–100 per area (keys are ``Area`` values), the environment one combining
    criteria and écoscore. Only areas with a score are present."""
    scores = criteria_scores(dossier)
    national = national_result(dossier)
    env = environment_score(scores.get(Area.ENVIRONMENT), national["value"] if national else None)
    result = {str(area): value for area, value in scores.items() if area is not Area.ENVIRONMENT}
    if env is not None:
        result[str(Area.ENVIRONMENT)] = env
    return {str(area): result[str(area)] for area in Area if str(area) in result}


def ecoscore_for(dossier: Dossier) -> tuple[float, str, dict] | None:
    """``(value /100, grade A–E, details)`` of the national écoscore computed from the
    dossier's measurements, or ``None`` without measurements. ``details`` holds the
    measured steps, per-step grades, the EcoIndex of web steps and the method names, as
    published on the listing."""
    measurement = measurement_of(dossier)
    if measurement is None or not measurement.steps:
        return None
    return ecoscore_of_journey(measurement.steps, measurement.measured_on)


def ecoscore_of_journey(steps: list[dict], measured_on: str = "") -> tuple[float, str, dict]:
    """``(value, grade, details)`` of a measured journey, as a listing publishes them."""
    national = ecoscore.national_ecoscore(steps)
    details = {
        "method": "ENS écoscore (énergie, performance, données ; notes 5→1, poids égaux)",
        "thresholds": {k: list(v) for k, v in ecoscore.NATIONAL_THRESHOLDS.items()},
        "measured_on": measured_on,
        "steps": steps,
        "step_grades": national["steps"],
        "metric_means": national["metric_means"],
        "ecoindex": ecoscore.journey_ecoindex(steps),
    }
    return national["value"], national["grade"], details


def score_panel(dossier: Dossier) -> dict:
    """What the score partials show (``templates/review/scoring/_scores.html`` and
    ``_ecoscore.html``): scores per area, the criteria part of each, the écoscore with its
    measurements, and the SVG chart naming each area."""
    scores = dossier_scores(dossier)
    rows = [(Area(area).label, value) for area, value in scores.items()]
    chart: Markup | None = (
        bars_svg(rows, _("Profil du dossier par domaine (sur 100)")) if rows else None
    )
    return {
        "scores": scores,
        "criteria_scores": {str(a): v for a, v in criteria_scores(dossier).items()},
        "eco": ecoscore_for(dossier),
        "chart": chart,
        "areas": list(Area),
    }
