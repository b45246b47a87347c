"""``ens keys``: signing-key management."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from authz.keys import published_keys, rotate_keys
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
