"""Accounts, roles, login and sign-up, server-side sessions, e-mailed links."""

from flask import Flask, request
from flask_login import user_logged_in

from ens_core.accounts.models import User
from ens_core.accounts.sessions import session_of_request, start_browser_session
from ens_core.db import db
from ens_core.extensions import login_manager


@login_manager.user_loader
def _load_user(session_id: str):
    """The user of this request's cookie: the right session version and a live server-side
    session (see ``sessions``), or nobody."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    if session_of_request(user) is None:
        return None
    return user


def _open_session(sender, user, **extra) -> None:
    # Every way in (the login form, a sign-in link, a sign-up) opens a recorded session.
    start_browser_session(user, request.headers.get("User-Agent", ""))


def init_app(app: Flask) -> None:
    from ens_core.accounts import demo_records
    from ens_core.accounts.cli import users_cli
    from ens_core.accounts.views import bp

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    user_logged_in.connect(_open_session, app)
    app.register_blueprint(bp)
    app.cli.add_command(users_cli)
    demo_records.register(app)
