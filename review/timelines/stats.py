"""The statistics of the public timelines, computed from plain facts (no database): the
page ``/statistiques`` and its tests read only this module.

Definitions (also on the page):

- *days to decision*: calendar days from the day the dossier was submitted to the day of
  the decision — what the editor waits;
- *paused days*: calendar days the review clock stood still, from each information
  request to the editor's answer (the same rule as the dossier's clock);
- *review days*: days to decision minus paused days — the authority's own time;
- *median*: the middle value (the mean of the two middle values for an even count);
- *90th percentile*: the nearest-rank value — the smallest duration that at least 90 % of
  the dossiers did not exceed (the ⌈0.9·n⌉-th value in increasing order);
- a year is the year of the decision.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DecidedDossier:
    """What the statistics need to know of one decided dossier."""

    submitted_on: date
    decided_on: date
    refused: bool
    information_requests: int = 0
    paused_days: int = 0

    @property
    def days_to_decision(self) -> int:
        return (self.decided_on - self.submitted_on).days

    @property
    def review_days(self) -> int:
        return max(0, self.days_to_decision - self.paused_days)


@dataclass(frozen=True)
class YearFigures:
    year: int
    decided: int
    median_days: float
    p90_days: int
    median_review_days: float
    with_information_requests: int
    refused: int

    @property
    def information_request_share(self) -> float:
        """Share of the year's decided dossiers with at least one information request (%)."""
        return share(self.with_information_requests, self.decided)

    @property
    def refusal_rate(self) -> float:
        return share(self.refused, self.decided)


def share(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, one decimal (0 when there is nothing)."""
    return round(100 * part / whole, 1) if whole else 0.0


def median(values) -> float:
    values = list(values)
    if not values:
        raise ValueError("the median of nothing")
    return float(statistics.median(values))


def nearest_rank(values, percent: float) -> int:
    """The nearest-rank percentile: the ⌈percent/100·n⌉-th smallest value."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("a percentile of nothing")
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def by_year(dossiers: list[DecidedDossier]) -> list[YearFigures]:
    """The figures of each year of decision, oldest year first."""
    years: dict[int, list[DecidedDossier]] = {}
    for dossier in dossiers:
        years.setdefault(dossier.decided_on.year, []).append(dossier)
    figures = []
    for year in sorted(years):
        group = years[year]
        days = [d.days_to_decision for d in group]
        figures.append(
            YearFigures(
                year=year,
                decided=len(group),
                median_days=median(days),
                p90_days=nearest_rank(days, 90),
                median_review_days=median(d.review_days for d in group),
                with_information_requests=sum(1 for d in group if d.information_requests),
                refused=sum(1 for d in group if d.refused),
            )
        )
    return figures


def causes(suspension_causes: list[str]) -> list[tuple[str, int]]:
    """How many suspensions each cause led to, most frequent first (then by name). A
    suspension with several causes counts once under each."""
    counted = Counter(suspension_causes)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))
