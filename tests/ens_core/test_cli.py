from sqlalchemy import select

from ens_core.accounts.models import Role, User
from ens_core.db import db


def test_users_create_gives_the_requested_roles(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ops@Test.ens",
            "--name",
            "Ops",
            "--role",
            "agent",
            "--role",
            "admin",
            "--password",
            "a long enough passphrase",
        ],
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ops@test.ens"))
        assert user.roles == {Role.AGENT, Role.ADMIN}


def test_users_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "weak@test.ens",
            "--name",
            "W",
            "--role",
            "citizen",
            "--password",
            "short",
        ],
    )
    assert result.exit_code != 0
    assert "12 caractères" in result.output
