from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import utcnow
from ens_core.models_support import Record, ref


class AuditEvent(Record):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = ref("users", ondelete="SET NULL")
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
