"""Referential versions and their criteria.

A version is loaded from a data file (``review/referential/data/*.yaml``) and is
published (immutable) as soon as it is loaded: a dossier pins the version it was opened
against, so changing a published version would silently change open dossiers.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class Area(LabelledEnum):
    URBANISATION = "urbanisation", _l("Urbanisation")
    SECURITY = "security", _l("Sécurité")
    INTEROPERABILITY = "interoperability", _l("Interopérabilité")
    ETHICS = "ethics", _l("Éthique")
    ENVIRONMENT = "environment", _l("Environnement")


# The areas evaluated twice, blind, when a version's file does not say (DESIGN.md).
DEFAULT_DOUBLE_EVALUATION = (Area.SECURITY, Area.ETHICS)


# Names of the attributes a version comparison reports, for display.
ATTRIBUTE_LABELS = {
    "area": _l("domaine"),
    "topic": _l("thème"),
    "statement": _l("énoncé"),
    "guidance": _l("aide"),
    "mandatory": _l("caractère obligatoire"),
    "answer_type": _l("type de réponse"),
    "evidence_required": _l("pièce justificative"),
    "weight": _l("poids"),
}


class AnswerType(enum.StrEnum):
    YES_NO = "yes_no"  # "not applicable" is not accepted
    YES_NO_NA = "yes_no_na"


def _localised(mapping: dict | None) -> str:
    if not mapping:
        return ""
    language = str(get_locale() or "fr")[:2]
    return mapping.get(language) or mapping.get("fr") or ""


class ReferentialVersion(Record):
    __tablename__ = "referential_versions"

    version: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[dict] = mapped_column(JSON, default=dict)
    effective_from: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SHA-256 of the canonical content: loading a different content under the same
    # version id is refused.
    content_hash: Mapped[str] = mapped_column(String(64))
    # Areas (values) that need two independent evaluations; NULL when the file does not
    # say, which means DEFAULT_DOUBLE_EVALUATION (part of the published content).
    double_evaluation: Mapped[list | None] = mapped_column(JSON)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    @property
    def display_title(self) -> str:
        return _localised(self.title) or self.version

    @property
    def display_notes(self) -> str:
        return _localised(self.notes)

    @property
    def double_evaluated_areas(self) -> tuple[Area, ...]:
        """The areas two agents evaluate independently, in the order of ``Area``."""
        if self.double_evaluation is None:
            return DEFAULT_DOUBLE_EVALUATION
        marked = set(self.double_evaluation)
        return tuple(area for area in Area if area.value in marked)


class Criterion(Record):
    __tablename__ = "referential_criteria"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    version_id: Mapped[int] = ref("referential_versions", ondelete="CASCADE", index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    area: Mapped[Area] = mapped_column(stored_enum(Area))
    topic: Mapped[str] = mapped_column(String(80), default="")
    statement: Mapped[dict] = mapped_column(JSON)  # {"fr": ..., "en": ...}
    guidance: Mapped[dict] = mapped_column(JSON, default=dict)
    mandatory: Mapped[bool] = mapped_column(default=False)
    answer_type: Mapped[AnswerType] = mapped_column(stored_enum(AnswerType, 12))
    evidence_required: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[int] = mapped_column(default=1)

    version: Mapped[ReferentialVersion] = relationship(back_populates="criteria")

    @property
    def display_statement(self) -> str:
        return _localised(self.statement)

    @property
    def display_guidance(self) -> str:
        return _localised(self.guidance)

    @property
    def allows_not_applicable(self) -> bool:
        return self.answer_type == AnswerType.YES_NO_NA

    def comparable(self) -> dict:
        """What a version comparison looks at."""
        return {
            "area": str(self.area),
            "topic": self.topic,
            "statement": self.statement,
            "guidance": self.guidance or {},
            "mandatory": self.mandatory,
            "answer_type": str(self.answer_type),
            "evidence_required": self.evidence_required,
            "weight": self.weight,
        }
