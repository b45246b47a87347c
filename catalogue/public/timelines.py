"""The clocks of a service's referencing dossiers, as its public page shows them.

Dossiers belong to review (a higher layer): review provides :data:`DOSSIER_TIMELINES` in
its ``init_app``; the catalogue declares only the shape it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from catalogue.models import Service
from ens_core.providers import Slot


@dataclass(frozen=True)
class TimelineStep:
    """One dated step of a dossier's clock; ``detail`` says more (paused days…)."""

    label: str
    on: date | datetime
    detail: str = ""
    upcoming: bool = False


@dataclass(frozen=True)
class PublicTimeline:
    """One dossier: its title, its steps in order, and its durations in days (None while
    undecided); ``paused_days`` is the time the clock stood still for the editor."""

    title: str
    steps: list[TimelineStep] = field(default_factory=list)
    days_to_decision: int | None = None
    paused_days: int = 0
    review_days: int | None = None


@runtime_checkable
class DossierTimelines(Protocol):
    """The timelines of ``service``'s submitted dossiers, newest first."""

    def __call__(self, service: Service) -> list[PublicTimeline]: ...


DOSSIER_TIMELINES = Slot("dossier timelines", DossierTimelines)
