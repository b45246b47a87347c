"""Named access policies, used by views (through :func:`requires`) and tests alike.

Deny by default: every policy answers False for an anonymous or inactive user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from ens_core.accounts.models import Role, User


def _active(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and user.is_active


def has_role(user: User | None, role: Role) -> bool:
    return _active(user) and user.has_role(role)


def can_use_health_space(user: User | None) -> bool:
    return has_role(user, Role.CITIZEN)


def can_use_editor_portal(user: User | None) -> bool:
    return has_role(user, Role.EDITOR)


def can_use_commission_portal(user: User | None) -> bool:
    return has_role(user, Role.COMMISSIONER)


def can_use_agent_portal(user: User | None) -> bool:
    return has_role(user, Role.AGENT) or has_role(user, Role.ADMIN)


def can_administer(user: User | None) -> bool:
    return has_role(user, Role.ADMIN)


def requires(policy: Callable[[User], bool]):
    """View decorator: anonymous users go to the login page, others need ``policy``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if not policy(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
