"""Binding the database and the migrations to the app."""

from __future__ import annotations

import time
from pathlib import Path
from select import POLLIN, poll

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

# ens_core's own tables, known to the metadata (and Alembic); every other package imports
# its models from its init_app.
import ens_core.accounts.models
import ens_core.audit.models
import ens_core.health.models
import ens_core.notifications.models  # noqa: F401
from ens_core import wal
from ens_core.db import db, is_sqlite_driver
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
    ``pool_pre_ping`` (nor on PostgreSQL: :func:`_check_alive`)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", app.config["ENS_DB_LOCK_TIMEOUT"])
    options["connect_args"] = connect_args
    # A file never drops the connection: no liveness round trip on every checkout.
    options["pool_pre_ping"] = False
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# A pooled PostgreSQL connection idle longer than this is pinged (a round trip) before use.
PING_AFTER_IDLE = 30.0  # seconds
_CHECKED_IN = "ens_checked_in"


def _is_psycopg(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")


@event.listens_for(Pool, "checkin")
def _note_checkin(dbapi_connection, connection_record) -> None:
    if dbapi_connection is None:
        return
    connection_record.info[_CHECKED_IN] = time.monotonic()
    if is_sqlite_driver(dbapi_connection):  # its transaction has ended: the log may start over
        wal.keep_bounded(dbapi_connection, connection_record.info)


@event.listens_for(Pool, "checkout")
def _check_alive(dbapi_connection, connection_record, _proxy) -> None:
    """Take a PostgreSQL connection from the pool only alive, without a round trip per
    request (``pool_pre_ping`` costs one, on every checkout).

    A pooled connection is idle: the server sends it nothing unless it ends it (a restart,
    ``pg_terminate_backend``: a last message, then the end of the stream). Anything to read
    on its socket, checked without waiting, means it is gone. A connection idle longer than
    :data:`PING_AFTER_IDLE` is also pinged, for a network that drops it silently. Either
    way the pool drops it and connects again (``DisconnectionError``): no request starts
    on a connection the server has ended."""
    if not _is_psycopg(dbapi_connection):
        return
    socket = poll()  # not select(): a descriptor may be above FD_SETSIZE
    socket.register(dbapi_connection.fileno(), POLLIN)
    if socket.poll(0):  # readable, hung up or in error
        raise DisconnectionError("the server ended this pooled connection")
    idle = time.monotonic() - connection_record.info.get(_CHECKED_IN, time.monotonic())
    if idle > PING_AFTER_IDLE:
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:
            raise DisconnectionError("the pooled connection did not answer") from error


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("sqlite"):
        _sqlite_lock_timeout(app)
        wal.configure(
            int(app.config["ENS_SQLITE_WAL_LIMIT_MB"] * 2**20),
            app.config["ENS_SQLITE_WAL_CHECK_SECONDS"],
        )
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
