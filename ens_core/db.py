"""The database handle, the declarative base and the conventions every model follows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

from ens_core import wal

# Stable constraint names so that Alembic can alter and drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no timezone type and hands back naive values; this type stores UTC and
    always returns aware datetimes, so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_sqlite_driver(dbapi_connection) -> bool:
    """Is this DB-API connection the sqlite3 driver's?"""
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys are off by default in SQLite; WAL lets readers run beside a writer;
    ``synchronous=NORMAL`` is the pairing SQLite recommends with WAL: a commit no longer
    waits for an fsync (the WAL is synced at checkpoints), the database cannot be
    corrupted by a crash, and a power loss may lose the last commits only.

    The sqlite3 driver's own transaction handling is switched off (it delays BEGIN until
    the first write and breaks SAVEPOINTs); SQLAlchemy emits BEGIN itself, below, as the
    SQLAlchemy documentation recommends for pysqlite. How long a statement waits for a
    lock is the driver's ``timeout`` (``ENS_DB_LOCK_TIMEOUT``, see ``ens_core.database``).
    """
    if not is_sqlite_driver(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    wal.on_connect(dbapi_connection)


# Set on ``g`` by the transaction boundary (``ens_core.boundary``) before the first
# statement of a request or command that writes.
WRITER_FLAG = "ens_writes"


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """A unit of work that will write begins as a writer (``BEGIN IMMEDIATE``): it waits
    for the write lock up front, when waiting is still possible. A deferred transaction
    that has read and then writes cannot wait: SQLite refuses it at once if another
    connection wrote in between. Readers keep the deferred ``BEGIN`` and never wait."""
    if connection.dialect.name == "sqlite":
        if has_app_context() and g.get(WRITER_FLAG, False):
            _begin_immediate(connection)
        else:
            # On the driver: SQLAlchemy's own execution costs a hundred Python calls per
            # statement, and a BEGIN cannot wait nor fail as busy.
            connection.connection.driver_connection.execute("BEGIN")


LOCK_TIMEOUT = "ens_lock_timeout_ms"  # the busy timeout (ms), in a connection's info


def become_writer(connection) -> bool:
    """End the deferred (read) transaction of ``connection`` and begin a writer's in its
    place (:func:`_begin_immediate`), under SQLAlchemy's unchanged transaction: objects the
    session loaded stay loaded, the session's commit or rollback ends the new transaction.
    Only when the transaction is the connection's own (not a savepoint inside another, as
    in tests); returns whether it did."""
    if connection.dialect.name != "sqlite" or connection.in_nested_transaction():
        return False
    connection.connection.driver_connection.commit()  # nothing was written: a read ends
    _begin_immediate(connection)
    return True


def _begin_immediate(connection) -> None:
    begin_immediate(connection.connection.driver_connection, connection.info)


def begin_immediate(raw, info: dict, *, handler_off: bool = False) -> None:
    """``BEGIN IMMEDIATE`` on the driver's connection ``raw`` (``info``: its pool record's),
    waiting for the write lock in short steps (50 µs doubling to 2 ms) up to the
    connection's busy timeout (``ENS_DB_LOCK_TIMEOUT``), then :class:`DatabaseBusy`.
    SQLite's own busy handler sleeps 1, 2, 5, 10, 15… ms: with writes held for a fraction
    of a millisecond, a waiting worker would sit idle most of the time. ``handler_off``:
    the connection's busy handler is off already (``info`` holds its timeout)."""
    timeout_ms = info.get(LOCK_TIMEOUT)
    if timeout_ms is None:
        (timeout_ms,) = raw.execute("PRAGMA busy_timeout").fetchone()
        info[LOCK_TIMEOUT] = timeout_ms
    if not handler_off:
        raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        pause = 0.00005
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")  # on the driver, as the deferred BEGIN
                return
            except raw.OperationalError as error:
                if not is_busy(error):
                    raise DBAPIError.instance("BEGIN IMMEDIATE", (), error, raw.Error) from error
                if time.monotonic() >= deadline:
                    raise DatabaseBusy("BEGIN IMMEDIATE", (), error) from error
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
    finally:
        if not handler_off:
            raw.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")


class DatabaseBusy(OperationalError):
    """SQLite kept the database locked longer than the lock timeout (``SQLITE_BUSY``).

    Nothing is wrong with the request: the boundary answers 503 with ``Retry-After``."""


SQLITE_BUSY = 5


def is_busy(error: BaseException | None) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == SQLITE_BUSY  # extended codes keep the primary code low
    return "database is locked" in str(error)


@event.listens_for(Engine, "handle_error")
def _sqlite_busy(context):
    """Raise :class:`DatabaseBusy` (still an ``OperationalError``) for a lock wait that
    exceeded the timeout, wherever it happens: BEGIN IMMEDIATE, a write, COMMIT."""
    error = context.sqlalchemy_exception
    if (
        context.dialect.name == "sqlite"
        and isinstance(error, OperationalError)
        and is_busy(context.original_exception)
    ):
        return DatabaseBusy(context.statement, context.parameters, context.original_exception)
    return None


@contextmanager
def unique_or_refused(refusal: Callable[[], Exception]) -> Iterator[None]:
    """Write the block's changes in a savepoint and flush them; if a unique constraint
    refuses them — another request committed the same SIREN or slug between our check
    and our write — raise ``refusal()`` (a service's refusal, shown on its form) instead
    of an ``IntegrityError`` that would end as a 500. The transaction stays usable."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        raise refusal() from error
