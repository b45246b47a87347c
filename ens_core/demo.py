"""``ens demo load``: a believable store to try every flow.

Each package registers its loader with :func:`register_demo_loader`; loaders run in
``order`` and must be idempotent (look up before creating), so loading twice changes
nothing. The whole load is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup

from ens_core.db import db

demo_cli = AppGroup("demo", help="Demonstration data.")
_LOADERS: list[tuple[int, str, Callable[[], None]]] = []


def register_demo_loader(order: int, name: str, loader: Callable[[], None]) -> None:
    if all(existing != name for _, existing, _ in _LOADERS):
        _LOADERS.append((order, name, loader))


def load_demo() -> list[str]:
    done = []
    for _, name, loader in sorted(_LOADERS, key=lambda item: item[0]):
        loader()
        db.session.flush()
        done.append(name)
    return done


@demo_cli.command("load")
def load_command() -> None:
    """Load (or complete) the demo data; safe to run again."""
    try:
        done = load_demo()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo("Demo data loaded: " + ", ".join(done))
