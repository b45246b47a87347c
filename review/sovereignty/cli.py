"""``ens countries ...`` (the registry) and ``ens sovereignty sweep``."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from authz.purge import purge_authorizations
from ens_core.accounts.sessions import purge_stale_records
from ens_core.boundary import one_transaction, roll_back
from ens_core.db import utcnow
from review.sovereignty import services
from review.sovereignty.models import Union
from review.sovereignty.sweep import run_sweep

countries_cli = AppGroup("countries", help="EU/EEA country registry.")
sovereignty_cli = AppGroup("sovereignty", help="Sovereignty rules.")

UNION_CHOICE = click.Choice([u.value for u in Union])


def _on(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("expected YYYY-MM-DD") from error


def _print_actions(actions) -> None:
    for action in actions:
        if action.action != services.UNCHANGED:
            click.echo(f"  {action.slug}: {action.action}")


@countries_cli.command("list")
def list_command() -> None:
    """Countries and their membership periods."""
    for country in services.list_countries():
        periods = ", ".join(
            f"{m.union}:{m.joined_on}→{m.left_on or ''}" for m in country.memberships
        )
        click.echo(f"{country.code}  {country.name:<24} {periods}")


@countries_cli.command("seed")
@one_transaction
def seed_command() -> None:
    """Create the initial registry (idempotent)."""
    added = services.seed_registry()
    click.echo(f"{added} countries added.")


@countries_cli.command("leave")
@click.argument("code")
@click.option("--on", "on", required=True, help="First day outside the union (YYYY-MM-DD).")
@click.option("--union", "union", type=UNION_CHOICE, default="eu", show_default=True)
@one_transaction
def leave_command(code: str, on: str, union: str) -> None:
    """Record that a country leaves the EU or the EEA on a date (audited)."""
    try:
        actions = services.record_leave(None, code.upper(), Union(union), _on(on), now=utcnow())
    except services.SovereigntyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{code.upper()} leaves {union.upper()} on {on}.")
    _print_actions(actions)


@countries_cli.command("join")
@click.argument("code")
@click.option("--on", "on", required=True, help="First day as a member (YYYY-MM-DD).")
@click.option("--union", "union", type=UNION_CHOICE, default="eu", show_default=True)
@click.option("--name", default=None, help="Country name, if it is not in the registry yet.")
@one_transaction
def join_command(code: str, on: str, union: str, name: str | None) -> None:
    """Record that a country joins the EU or the EEA on a date (audited)."""
    try:
        actions = services.record_join(
            None, code.upper(), Union(union), _on(on), now=utcnow(), name=name
        )
    except services.SovereigntyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{code.upper()} joins {union.upper()} on {on}.")
    _print_actions(actions)


@sovereignty_cli.command("sweep")
@click.option("--at", "at", default=None, help="Evaluate as of this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@one_transaction
def sweep_command(at: str | None, dry_run: bool) -> None:
    """Evaluate every referenced or suspended service and apply the rules."""

    now = services.at_noon(_on(at)) if at else utcnow()
    report = run_sweep(now=now, dry_run=dry_run, progress=True)
    # The daily housekeeping of the authorization server (bounded token tables), on the
    # real clock whatever --at says.
    purged = purge_authorizations()
    signins = purge_stale_records()
    if dry_run:
        roll_back()  # a dry run keeps nothing
    click.echo(report.table(dry_run=dry_run))
    click.echo(("Would purge: " if dry_run else "Purged: ") + purged.summary())
    click.echo(("Would delete: " if dry_run else "Deleted: ") + signins + ".")
