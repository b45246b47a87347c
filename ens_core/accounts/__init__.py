"""Accounts, roles, login and sign-up."""

from flask import Flask

from ens_core.accounts.models import User
from ens_core.db import db
from ens_core.extensions import login_manager


@login_manager.user_loader
def _load_user(session_id: str):
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user


def init_app(app: Flask) -> None:
    from ens_core.accounts import demo_records
    from ens_core.accounts.cli import users_cli
    from ens_core.accounts.views import bp

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    demo_records.register(app)
