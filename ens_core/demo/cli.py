"""``ens demo load``: the command owns the transaction (one commit at the end)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ens_core.db import db
from ens_core.demo.loader import load_demo

demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
def load_command() -> None:
    """Load (or complete) the demo story; safe to run again."""
    try:
        loaded = load_demo()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for file in loaded:
        click.echo(f"{file.name}: {file.records} records, {file.added} new")
