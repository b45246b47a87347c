"""Binding the database and the migrations to the app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# ens_core's own tables, known to the metadata (and Alembic); every other package imports
# its models from its init_app.
import ens_core.accounts.models
import ens_core.audit.models
import ens_core.health.models
import ens_core.notifications.models  # noqa: F401
from ens_core.db import db
from ens_core.extensions import migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def include_name(name, type_, parent_names) -> bool:
    """Alembic hook: leave out objects that migrations manage with raw SQL and that no
    model describes, named ``fts_*`` (full-text search: SQLite FTS5 virtual and shadow
    tables, PostgreSQL expression indexes). Without it autogenerate would drop them."""
    return not (name or "").startswith("fts_")


def _sqlite_lock_timeout(app: Flask) -> None:
    """The driver's ``timeout`` is SQLite's busy timeout: how long a statement waits for a
    lock held by another connection before failing (then the answer is a 503). No
    ``pool_pre_ping`` (kept for PostgreSQL, whose connections can drop)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", app.config["ENS_DB_LOCK_TIMEOUT"])
    options["connect_args"] = connect_args
    # A file never drops the connection: no liveness round trip on every checkout.
    options["pool_pre_ping"] = False
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("sqlite"):
        _sqlite_lock_timeout(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
