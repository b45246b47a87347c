"""The authority's decisions, and the named permissions some agents hold."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class Permission(LabelledEnum):
    # signs referencing decisions for the minister
    DECISION = "decision", _l("Signature des décisions de référencement")


class UserPermission(Record):
    __tablename__ = "user_permissions"
    __table_args__ = (UniqueConstraint("user_id", "permission"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    permission: Mapped[Permission] = mapped_column(stored_enum(Permission, 30))
    granted_by_id: Mapped[int | None] = ref("users")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(LabelledEnum):
    REFERENCED = "referenced", _l("Référencement")
    REFUSED = "refused", _l("Refus")


class Decision(Record):
    """One decision per dossier."""

    __tablename__ = "decisions"

    dossier_id: Mapped[int] = ref("dossiers", unique=True)
    outcome: Mapped[Outcome] = mapped_column(stored_enum(Outcome))
    opinion: Mapped[str | None] = mapped_column(String(40))  # the opinion decided upon
    departs_from_opinion: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[str] = mapped_column(Text, default="")
    valid_until: Mapped[date | None]
    # [{"scope": ..., "purpose": ..., "retention_days": ...}]
    approved_uses: Mapped[list] = mapped_column(JSON, default=list)
    scope_ceiling: Mapped[str] = mapped_column(Text, default="")
    suspensive_reservations: Mapped[str] = mapped_column(Text, default="")
    reservations_lifted_at: Mapped[datetime | None]
    reservations_lifted_by_id: Mapped[int | None] = ref("users")
    reservations_lifted_note: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = ref("oauth_clients")
    decided_by_id: Mapped[int] = ref("users")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier = relationship("Dossier")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    client = relationship("Client")

    @property
    def is_pending(self) -> bool:
        return bool(self.suspensive_reservations) and self.reservations_lifted_at is None
