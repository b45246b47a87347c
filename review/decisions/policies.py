"""Who may record decisions, and who may read them."""

from __future__ import annotations

from ens_core.accounts.policies import can_use_agent_portal
from review.decisions.models import Permission


def can_decide(user) -> bool:
    """An agent holding the ``decision`` permission (delegation of the minister)."""
    from review.decisions.services import has_permission

    return can_use_agent_portal(user) and has_permission(user, Permission.DECISION)


def can_read_decisions(user) -> bool:
    return can_use_agent_portal(user)
