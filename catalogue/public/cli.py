"""``ens catalogue reindex``: rebuild the search documents (after a bulk import)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalogue.public.search import reindex_all
from ens_core.db import db

catalogue_cli = AppGroup("catalogue", help="Public catalogue.")


@catalogue_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search document of every service."""

    count = reindex_all()
    db.session.commit()
    click.echo(f"{count} service(s) indexed.")
