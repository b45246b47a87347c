"""``ens audit verify`` (the access-log hash chains) and ``ens health notify-expiring``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ens_core.boundary import one_transaction
from ens_core.health.access_log import verify_all, verify_chain
from ens_core.health.notifications import notify_expiring_grants

audit_cli = AppGroup("audit", help="Access log integrity.")
health_cli = AppGroup("health", help="Citizen health space.")


@audit_cli.command("verify")
@click.option("--citizen", "citizen_id", type=int, help="Check one citizen's chain only.")
def verify_command(citizen_id: int | None) -> None:
    """Recompute every citizen's access-log hash chain; report the first broken entry."""

    checks = [verify_chain(citizen_id)] if citizen_id else verify_all()
    broken = [c for c in checks if not c.ok]
    entries = sum(c.entries for c in checks)
    for check in broken:
        click.echo(
            f"BROKEN citizen {check.citizen_id}: first broken entry seq {check.broken_seq}"
            f" (row id {check.broken_id}): {check.reason}"
        )
    if broken:
        raise SystemExit(1)
    click.echo(f"OK: {len(checks)} chain(s), {entries} entries verified.")


@health_cli.command("notify-expiring")
@one_transaction
def notify_expiring_command() -> None:
    """Notify citizens whose grants expire within 30 days (once per grant and expiry)."""

    count = notify_expiring_grants()
    click.echo(f"{count} notification(s) sent.")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(health_cli)
