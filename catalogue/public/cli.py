"""``ens catalogue reindex``: rebuild the search documents (after a bulk import)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from catalogue.public.search import reindex_all
from ens_core.boundary import one_transaction

catalogue_cli = AppGroup("catalogue", help="Public catalogue.")


@catalogue_cli.command("reindex")
@one_transaction
def reindex_command() -> None:
    """Rebuild the search document of every service."""

    count = reindex_all()
    click.echo(f"{count} service(s) indexed.")
