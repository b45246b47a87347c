"""Invitations of colleagues into an editor organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Organisation
from ens_core.db import utcnow
from ens_core.models_support import Record, ref


class Invitation(Record):
    """A link sent to a colleague: only the SHA-256 of its token is stored; it expires
    and is used once (accepted, or revoked by a member)."""

    __tablename__ = "editor_invitations"

    organisation_id: Mapped[int] = ref("organisations", ondelete="CASCADE", index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = ref("users")
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
