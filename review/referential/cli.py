"""``ens referential load FILE`` and ``ens referential list``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ens_core.boundary import one_transaction
from review.referential import services

referential_cli = AppGroup("referential", help="Criteria referential versions.")


@referential_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@one_transaction
def load_command(path: str) -> None:
    """Validate and publish a referential file (a published version is immutable)."""
    try:
        version, created = services.load_referential_file(path)
    except services.ReferentialError as error:
        click.echo(f"Refused: {error}", err=True)
        for field_name, messages in sorted(error.messages.items(), key=lambda kv: str(kv[0])):
            click.echo(f"  {field_name}: {messages}", err=True)
        raise SystemExit(1) from None
    if created:
        click.echo(f"Published version {version.version} ({len(version.criteria)} criteria).")
    else:
        click.echo(f"Version {version.version} is already published with this content.")


@referential_cli.command("list")
def list_command() -> None:
    """List the published versions."""
    for version in services.list_versions():
        click.echo(f"{version.version}\t{version.effective_from}\t{len(version.criteria)} criteria")
