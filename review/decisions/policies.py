"""Who may record decisions, and who may read them."""

from __future__ import annotations

from sqlalchemy import select

from ens_core.accounts.policies import can_use_agent_portal
from ens_core.db import db
from review.decisions.models import Permission, UserPermission


def has_permission(user, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(UserPermission.id).where(
                UserPermission.user_id == user.id, UserPermission.permission == permission
            )
        )
        is not None
    )


def can_decide(user) -> bool:
    """An agent holding the ``decision`` permission (delegation of the minister)."""
    return can_use_agent_portal(user) and has_permission(user, Permission.DECISION)


def can_read_decisions(user) -> bool:
    return can_use_agent_portal(user)
