"""Read-only lookups about members, declarations, recusals and attendance.

Shared by the policies (who may sit, see, vote) and the services (which enforce them):
both build on this module, so neither needs the other's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ens_core.db import db
from review.commission.models import (
    AgendaItem,
    CommissionSession,
    Declaration,
    ItemStatus,
    Member,
    Recusal,
)

DECLARATION_MAX_AGE = timedelta(days=365)


def member_of(user) -> Member | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Member).where(Member.user_id == user.id))


def declaration_on(member: Member, on: date) -> Declaration | None:
    """The latest version filed on or before ``on``."""
    filed = [d for d in member.declarations if d.filed_at.date() <= on]
    return filed[-1] if filed else None


def declaration_status(member: Member, on: date) -> str:
    """``missing``, ``stale`` (older than 12 months on ``on``) or ``current``."""
    latest = declaration_on(member, on)
    if latest is None:
        return "missing"
    if on - latest.filed_at.date() > DECLARATION_MAX_AGE:
        return "stale"
    return "current"


def is_recused(member: Member, dossier_id: int) -> bool:
    """Recused on any agenda item of this dossier (recusal follows the dossier)."""
    return (
        db.session.scalar(
            select(Recusal.id)
            .join(AgendaItem, Recusal.item_id == AgendaItem.id)
            .where(Recusal.member_id == member.id, AgendaItem.dossier_id == dossier_id)
            .limit(1)
        )
        is not None
    )


def is_on_agenda(dossier_id: int) -> bool:
    """Is the dossier on an agenda (not withdrawn from it)?"""
    return (
        db.session.scalar(
            select(AgendaItem.id)
            .where(AgendaItem.dossier_id == dossier_id, AgendaItem.status != ItemStatus.WITHDRAWN)
            .limit(1)
        )
        is not None
    )


def present_member_ids(session: CommissionSession) -> set[int]:
    return {a.member_id for a in session.attendance if a.present}


def session_date_of(dossier_id: int) -> datetime | None:
    """When the session that will deliberate on the dossier meets (its agenda item is still
    to be deliberated), or None."""
    return db.session.scalar(
        select(CommissionSession.held_at)
        .join(AgendaItem, AgendaItem.session_id == CommissionSession.id)
        .where(
            AgendaItem.dossier_id == dossier_id,
            AgendaItem.status.in_((ItemStatus.PENDING, ItemStatus.VOTING)),
        )
        .order_by(CommissionSession.held_at.desc())
        .limit(1)
    )
