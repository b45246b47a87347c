"""``ens keys``: signing-key management; ``ens authz purge``: bounded token tables."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from authz.keys import published_keys, rotate_keys
from authz.purge import purge_authorizations
from ens_core.boundary import one_transaction

keys_cli = AppGroup("keys", help="OAuth signing keys.")


@keys_cli.command("rotate")
@one_transaction
def rotate_command() -> None:
    """Retire the current signing keys and create new ones (old ones stay published
    until the tokens they signed have expired)."""
    created = rotate_keys()
    for record in created:
        click.echo(f"New {record.alg} key: kid={record.kid}")


@keys_cli.command("list")
def list_command() -> None:
    """Published keys (public information only)."""
    for record in published_keys():
        state = (
            "active" if record.retired_at is None else f"retired {record.retired_at:%Y-%m-%d %H:%M}"
        )
        click.echo(f"{record.kid}  {record.alg}  {state}")


authz_cli = AppGroup("authz", help="The authorization server's tables.")


@authz_cli.command("purge")
@click.option(
    "--retention-days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep what ended less than this many days ago (default: ENS_AUTHZ_RETENTION_DAYS, 30).",
)
@one_transaction
def purge_command(retention_days: int | None) -> None:
    """Delete dead tokens, old authorization codes and expired client assertions (also
    run by ``ens sovereignty sweep``)."""
    keep = timedelta(days=retention_days) if retention_days is not None else None
    click.echo(purge_authorizations(keep=keep).summary())
