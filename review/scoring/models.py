"""The measured user journey behind a dossier's écoscore."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import Record, ref
from review.dossiers.models import Dossier


class JourneyMeasurement(Record):
    """One dossier's journey measurements: ``steps`` is a list of
    ``{label, energy_ratio, display_time_s, data_kb, dom_elements?, http_requests?,
    page_weight_kb?}`` (validated by ``review.scoring.schemas.StepSchema``)."""

    __tablename__ = "journey_measurements"

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", unique=True)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    measured_on: Mapped[str] = mapped_column(String(200), default="")  # device / tool, free text
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = ref("users")

    dossier: Mapped[Dossier] = relationship()
