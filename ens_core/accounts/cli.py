"""``ens users ...``: account administration from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ens_core.accounts import services, sessions
from ens_core.accounts.models import Role
from ens_core.accounts.passwords import password_problems
from ens_core.boundary import one_transaction

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.password_option()
@one_transaction
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an account with one or more roles."""
    problems = password_problems(password, email=email)
    if problems:
        raise click.ClickException(" ".join(problems))
    try:
        user = services.create_user(
            email=email, name=name, password=password, roles={Role(r) for r in roles}
        )
    except services.EmailTaken as exc:
        raise click.ClickException(f"An account already uses {email}.") from exc
    click.echo(f"Created user {user.id} <{user.email}> with roles: {', '.join(sorted(roles))}")


@users_cli.command("purge")
@click.option("--days", default=30, show_default=True, help="Keep ended sessions this long.")
@one_transaction
def purge_command(days: int) -> None:
    """Daily: delete stale throttle counters, sessions ended or expired more than DAYS ago,
    and used or expired e-mailed links."""
    click.echo("Deleted " + sessions.purge_stale_records(days=days) + ".")
