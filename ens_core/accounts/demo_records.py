"""Demo records of accounts: ``account`` (see ``ens_core/demo/data/README.md``)."""

from __future__ import annotations

from flask import Flask

from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email, grant_role
from ens_core.demo import DemoContext, register_kind, register_lookup


def load_account(ctx: DemoContext, fields: dict) -> bool:
    """Create the account, or give an existing one the roles it lacks."""
    roles = {Role(role) for role in fields["roles"]}
    user = find_user_by_email(fields["email"])
    if user is not None:
        missing = roles - set(user.roles)
        for role in missing:
            grant_role(user, role)
        return bool(missing)
    create_user(
        email=fields["email"],
        name=fields["name"],
        password=fields["password"],
        roles=roles,
        birth_date=fields.get("birth_date"),
        is_synthetic=fields.get("synthetic", False),
    )
    return True


def register(app: Flask) -> None:
    register_kind(app, "account", load_account)
    register_lookup(app, "user", find_user_by_email)
