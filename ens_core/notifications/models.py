from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import utcnow
from ens_core.models_support import Record, ref


class Notification(Record):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Set for notifications that must be sent once only (a grant about to expire).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), index=True)


class NotificationPreference(Record):
    """A user's choice for one kind of notification: in the notifications centre, by
    e-mail, or both. No row means the default of that kind (see services.KINDS)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    kind: Mapped[str] = mapped_column(String(60))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
