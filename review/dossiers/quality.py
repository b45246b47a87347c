"""Evaluation quality: how much the two blind evaluators agree, across dossiers.

Figures pool the criteria of every dossier whose two evaluators have both handed in:
κ of an area for a referential version and a quarter is computed over all the
``(first, second)`` verdict pairs of that area in the dossiers whose agreement dates from
that quarter (the second hand-in), not averaged per dossier — a single dossier has too
few criteria per area for a stable κ. The criteria most often rated differently are the
candidates for a clearer wording in the next referential version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ens_core.db import db
from review.dossiers import double
from review.dossiers.agreement import Agreement, cohen_kappa
from review.dossiers.models import Dossier, DossierEvaluator
from review.referential.models import Area, Criterion, ReferentialVersion


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return _("T%(q)s %(year)s", q=self.number, year=self.year)


@dataclass(frozen=True)
class KappaRow:
    area: Area
    version: str
    quarter: Quarter | None  # None: every quarter together
    dossiers: int
    agreement: Agreement


@dataclass
class CriterionDisagreement:
    version: str
    criterion: Criterion
    compared: int = 0  # dossiers where both evaluators rated it
    divergences: int = 0

    @property
    def rate(self) -> Fraction:
        return Fraction(self.divergences, self.compared) if self.compared else Fraction(0)


@dataclass
class QualityReport:
    dossiers: int = 0
    over_time: list[KappaRow] = field(default_factory=list)
    overall: list[KappaRow] = field(default_factory=list)
    disagreements: list[CriterionDisagreement] = field(default_factory=list)


def double_evaluated_dossiers() -> list[Dossier]:
    """Dossiers whose two evaluators have both handed in, with what the figures need."""
    finished = (
        select(DossierEvaluator.dossier_id)
        .where(DossierEvaluator.finished_at.is_not(None))
        .group_by(DossierEvaluator.dossier_id)
        .having(func.count(DossierEvaluator.id) == 2)
    )
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.id.in_(finished))
            .order_by(Dossier.id)
            .options(
                selectinload(Dossier.referential_version).selectinload(ReferentialVersion.criteria),
                selectinload(Dossier.evaluators),
                selectinload(Dossier.independent_evaluations),
            )
        )
    )


def _row_order(row: KappaRow) -> tuple:
    """Areas in the referential's order, then versions, then quarters."""
    quarter = (row.quarter.year, row.quarter.number) if row.quarter else (0, 0)
    return list(Area).index(row.area), row.version, quarter


def quality_report(limit: int = 10) -> QualityReport:
    """κ per area, referential version and quarter (and for every quarter together), and
    the ``limit`` criteria with the most divergences."""
    pairs = defaultdict(list)  # (area, version, quarter) -> [(first, second)]
    dossiers = defaultdict(set)
    criteria: dict[tuple[str, str], CriterionDisagreement] = {}
    found = double_evaluated_dossiers()
    for dossier in found:
        version = dossier.referential_version.version
        quarter = Quarter.of(double.agreed_at(dossier).date())
        for criterion, first, second in double.rated_pairs(dossier):
            for key in ((criterion.area, version, quarter), (criterion.area, version, None)):
                pairs[key].append((first, second))
                dossiers[key].add(dossier.id)
            item = criteria.setdefault(
                (version, criterion.code), CriterionDisagreement(version, criterion)
            )
            item.compared += 1
            item.divergences += first is not second
    rows = [
        KappaRow(area, version, quarter, len(dossiers[key]), cohen_kappa(pairs[key]))
        for key in pairs
        for area, version, quarter in [key]
    ]
    rows.sort(key=_row_order)
    disagreements = sorted(
        (c for c in criteria.values() if c.divergences),
        key=lambda c: (-c.divergences, -c.rate, c.version, c.criterion.position),
    )
    return QualityReport(
        dossiers=len(found),
        over_time=[r for r in rows if r.quarter is not None],
        overall=[r for r in rows if r.quarter is None],
        disagreements=disagreements[:limit],
    )
