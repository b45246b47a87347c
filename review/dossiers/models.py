"""A dossier: one application of one service against one referential version.

Its lifecycle is an explicit state machine (``review.dossiers.lifecycle``); every
transition is recorded with who, when and a comment.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import db, utcnow


class DossierState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INADMISSIBLE = "inadmissible"
    ADMISSIBLE = "admissible"
    UNDER_EVALUATION = "under_evaluation"
    INFORMATION_REQUESTED = "information_requested"
    EVALUATED = "evaluated"
    SCHEDULED = "scheduled"
    OPINION_GIVEN = "opinion_given"
    REFERENCED_PENDING = "referenced_pending"  # suspensive reservations to lift
    REFERENCED = "referenced"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # closed by an agent after a missed information deadline

    @property
    def label(self) -> str:
        return str(DOSSIER_STATE_LABELS[self])


DOSSIER_STATE_LABELS = {
    DossierState.DRAFT: _l("Brouillon"),
    DossierState.SUBMITTED: _l("Déposé"),
    DossierState.INADMISSIBLE: _l("Irrecevable"),
    DossierState.ADMISSIBLE: _l("Recevable"),
    DossierState.UNDER_EVALUATION: _l("En évaluation"),
    DossierState.INFORMATION_REQUESTED: _l("Compléments demandés"),
    DossierState.EVALUATED: _l("Évalué"),
    DossierState.SCHEDULED: _l("Inscrit à une séance"),
    DossierState.OPINION_GIVEN: _l("Avis rendu"),
    DossierState.REFERENCED_PENDING: _l("Référencé sous réserves suspensives"),
    DossierState.REFERENCED: _l("Référencé"),
    DossierState.REFUSED: _l("Refusé"),
    DossierState.WITHDRAWN: _l("Retiré"),
    DossierState.CLOSED: _l("Clos"),
}


class Dossier(db.Model):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    state: Mapped[DossierState] = mapped_column(
        Enum(DossierState, native_enum=False, length=30), default=DossierState.DRAFT, index=True
    )
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    transitions: Mapped[list[DossierTransition]] = relationship(
        back_populates="dossier", order_by="DossierTransition.id", cascade="all, delete-orphan"
    )


class DossierTransition(db.Model):
    __tablename__ = "dossier_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[DossierState] = mapped_column(
        Enum(DossierState, native_enum=False, length=30)
    )
    to_state: Mapped[DossierState] = mapped_column(Enum(DossierState, native_enum=False, length=30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="transitions")
