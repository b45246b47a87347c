"""Prepared statements for the few SQL statements every API call runs.

SQLAlchemy's ``Connection.execute`` costs some 200 Python calls a statement (cache key,
execution context, result metadata) before the driver's few microseconds. Each FHIR call
runs a handful of tiny statements (the citizen's access-log chain: move the head, append
the entry; the data types the citizen hid): :class:`Prepared` compiles such a Core
statement once per database dialect and runs it on the DB-API cursor of the session's own
connection, in the request's transaction, with the column types' bind and result
processors applied (the dialect's own, as SQLAlchemy would: a datetime stored as text on
SQLite comes back a datetime, an enum its member). What it cannot run faithfully it
refuses when it is built: expanding ``IN`` parameters — those statements keep going
through SQLAlchemy.

Driver errors are translated as SQLAlchemy's own would be (``DatabaseBusy`` for a SQLite
lock wait that timed out, else ``DBAPIError.instance``), so the transaction boundary
answers them the same way.

Inside :func:`unit_of_work` the statements run instead on a pooled connection of their
own, outside the ORM session: the FHIR API's express lane, whose whole unit of work is
prepared statements, ends its transactions itself. :func:`savepoint` works in both.
"""

from __future__ import annotations

import contextlib
import operator
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from ens_core import wal
from ens_core.db import LOCK_TIMEOUT, DatabaseBusy, become_writer, begin_immediate, db, is_busy


@dataclass(frozen=True)
class _Compiled:
    sql: str
    arguments: Callable[[dict], tuple | dict]  # the driver's parameters, from named values
    processors: dict
    # (index, processor) of each result column that converts, under _RESULTS: as
    # SQLAlchemy, found from the first result's description (PostgreSQL needs its type
    # codes; a statement's result types do not change).
    results: dict


def _arguments(names: tuple[str, ...], positional: bool) -> Callable[[dict], tuple | dict]:
    """The driver's parameters from named values: the values themselves (a named
    paramstyle), or a tuple in the statement's order (SQLite's ``?``), taken in C."""
    if not positional:
        return lambda values: values
    if len(names) == 1:
        (name,) = names
        return lambda values: (values[name],)
    if not names:
        return lambda _values: ()
    return operator.itemgetter(*names)


def _converted(row, results) -> tuple:
    values = list(row)
    for index, processor in results:
        values[index] = processor(values[index])
    return tuple(values)


_CONNECTION = "ens_prepared_connection"
_RESULTS = "processors"


class DirectUnit:
    """A unit of work of prepared statements outside the ORM session (:func:`unit_of_work`),
    on a connection its thread keeps (:func:`_thread_connection`). On SQLite the
    transaction begins at the first statement (a unit that reads nothing costs nothing),
    deferred, as a reader's (``ens_core.db``); on PostgreSQL each statement is its own,
    save in :meth:`transaction`."""

    def __init__(self, engine):
        self.engine = engine
        self.dialect = engine.dialect
        self.raw = None
        self.in_transaction = False  # PostgreSQL: inside transaction()

    def connection(self):
        if self.raw is None:
            self.raw = _thread_connection(self.engine)
            if self.dialect.name == "sqlite":
                self.raw.execute("BEGIN")
        return self.raw

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """On PostgreSQL, where the unit's statements run one by one (each its own
        transaction, see :func:`_thread_connection`), a transaction around the block,
        committed at its end; on SQLite the unit is a transaction already."""
        raw = self.connection()
        if self.dialect.name == "sqlite" or self.in_transaction:
            yield  # the unit's transaction, or the one this block is inside
            return
        raw.execute("BEGIN")
        self.in_transaction = True
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        else:
            raw.commit()
        finally:
            self.in_transaction = False

    def become_writer(self) -> None:
        """On SQLite, end the read and begin a writer's transaction (``BEGIN IMMEDIATE``,
        waiting for the lock as the full path's ``writes_last`` views do)."""
        if self.dialect.name == "sqlite":
            raw = self.connection()
            raw.commit()
            begin_immediate(raw, _THREAD.info, handler_off=True)

    def commit(self) -> None:
        if self.raw is not None:
            self.raw.commit()
            if self.dialect.name == "sqlite":
                wal.keep_bounded(self.raw, _THREAD.info)

    def rollback(self) -> None:
        """Roll back what is not committed (nothing when all is); a connection that
        cannot (the server went away) is dropped: the thread takes a new one next time."""
        if self.raw is None:
            return
        try:
            self.raw.rollback()
        except Exception:
            _drop_thread_connection()


_THREAD = threading.local()


def _thread_connection(engine):
    """This thread's DB-API connection for direct units, taken from ``engine``'s pool once
    and kept, detached from it: no checkout, reset and checkin on every call. On SQLite
    its busy handler is off: its only lock wait is :func:`ens_core.db.begin_immediate`'s.

    On PostgreSQL it runs in autocommit: a statement is its own transaction, and a round
    trip to the server (a BEGIN, a COMMIT) costs more than the statement. Under READ
    COMMITTED a transaction around reads gives them no common snapshot anyway; what must
    be atomic is one statement, or runs in :meth:`DirectUnit.transaction`."""
    raw = getattr(_THREAD, "raw", None)
    if raw is not None and _THREAD.engine is engine:
        return raw
    _drop_thread_connection()
    pooled = engine.raw_connection()
    pooled.detach()
    raw = pooled.dbapi_connection
    _THREAD.info = {}
    if engine.dialect.name == "sqlite":
        (_THREAD.info[LOCK_TIMEOUT],) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout=0")
    else:
        raw.rollback()  # the pool's checkout may have begun one
        raw.autocommit = True
    _THREAD.raw, _THREAD.engine = raw, engine
    # A server that starts a thread per request (Werkzeug's) ends it after the request:
    # the connection is closed with the thread, not left to the garbage collector.
    weakref.finalize(threading.current_thread(), _close_quietly, raw)
    return raw


def _close_quietly(raw) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing left to release
        raw.close()


def _drop_thread_connection() -> None:
    raw, _THREAD.raw, _THREAD.engine = getattr(_THREAD, "raw", None), None, None
    if raw is not None:
        _close_quietly(raw)


class SessionUnit:
    """The same unit of work on the ORM session: where the session is bound to one
    connection (the tests' transaction, rolled back at their end)."""

    def become_writer(self) -> None:
        become_writer(session_connection())

    def commit(self) -> None:
        db.session.commit()

    def rollback(self) -> None:
        db.session.rollback()


_DIRECT: ContextVar[DirectUnit | None] = ContextVar("ens_prepared_direct", default=None)


@contextmanager
def unit_of_work() -> Iterator[DirectUnit | SessionUnit]:
    """Run the block's prepared statements in a :class:`DirectUnit` (a
    :class:`SessionUnit` when the session is bound to one connection); the block commits
    what it keeps, the rest is rolled back."""
    if db.session.session_factory.kw.get("bind") is not None:
        unit = SessionUnit()
        try:
            yield unit
        finally:
            unit.rollback()
        return
    unit = DirectUnit(db.engine)
    token = _DIRECT.set(unit)
    try:
        yield unit
    finally:
        _DIRECT.reset(token)
        unit.rollback()


def is_direct() -> bool:
    return _DIRECT.get() is not None


@contextmanager
def transaction() -> Iterator[None]:
    """The block in one transaction: :meth:`DirectUnit.transaction` in a direct unit; the
    session's own transaction (nothing to do) elsewhere."""
    target = _DIRECT.get()
    if target is None:
        yield
        return
    with target.transaction():
        yield


def dialect_name() -> str:
    """The database the unit of work runs on (``sqlite``, ``postgresql``)."""
    target = _DIRECT.get()
    return target.dialect.name if target is not None else session_connection().dialect.name


@contextmanager
def savepoint() -> Iterator[None]:
    """A savepoint around the block: rolled back to if the block raises (the exception
    goes on), released otherwise; the session's ``begin_nested()`` outside
    :func:`unit_of_work`."""
    target = _DIRECT.get()
    if target is None:
        with db.session.begin_nested():
            yield
        return
    cursor = target.connection().cursor()
    cursor.execute("SAVEPOINT ens_prepared")
    try:
        yield
    except BaseException:
        cursor.execute("ROLLBACK TO SAVEPOINT ens_prepared")
        raise
    else:
        cursor.execute("RELEASE SAVEPOINT ens_prepared")
    finally:
        cursor.close()


def session_connection():
    """The session's connection in its current transaction (``Session.connection()``,
    remembered for that transaction: asking the session costs more than a statement)."""
    session = db.session()
    # The innermost transaction: a savepoint begun since is emitted by session.connection().
    current = (session.get_transaction(), session.get_nested_transaction())
    known = session.info.get(_CONNECTION)
    if current[0] is not None and known is not None and known[0] == current:
        return known[1]
    connection = session.connection()
    session.info[_CONNECTION] = (
        (session.get_transaction(), session.get_nested_transaction()),
        connection,
    )
    return connection


class Prepared:
    """A Core statement, compiled once per dialect, run straight on the driver."""

    def __init__(self, statement, columns: tuple[str, ...] | None = None):
        """``columns``: for an INSERT, the columns it is given (the others take their
        defaults), as SQLAlchemy would compile it for a first row with those keys."""
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.columns)
        binds = compiled.binds.values()
        if any(bind.expanding for bind in binds):
            raise TypeError("Prepared does not run expanding (IN) parameters")
        processors = {
            bind.key: processor
            for bind in binds
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        names = tuple(compiled.positiontup or ()) if compiled.positional else ()
        return _Compiled(str(compiled), _arguments(names, compiled.positional), processors, {})

    def execute(self, params: dict):
        """Run with ``params`` in the session's transaction; the DB-API cursor."""
        return self._run(params)[0]

    def _run(self, params: dict):
        target = _DIRECT.get()
        if target is None:
            connection = session_connection()
            dialect, dbapi_connection = connection.dialect, connection.connection
        else:
            dialect, dbapi_connection = target.dialect, target.connection()
        compiled = self._for(dialect)
        values = dict(params)
        for name, processor in compiled.processors.items():
            if name in values:
                values[name] = processor(values[name])
        args = compiled.arguments(values)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, args)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            if dialect.name == "sqlite" and is_busy(error):
                raise DatabaseBusy(compiled.sql, args, error) from error
            raise DBAPIError.instance(
                compiled.sql, args, error, dialect.loaded_dbapi.Error
            ) from error
        return cursor, compiled, dialect

    def _rows(self, params: dict, limit: int | None = None) -> list[tuple]:
        cursor, compiled, dialect = self._run(params)
        try:
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
            results = compiled.results.get(_RESULTS)
            if results is None:
                # The result's column types, read once: psycopg builds the description's
                # objects anew on each call, at a tenth of the statement's cost.
                described = tuple(column[1] for column in cursor.description or ())
                results = self._result_processors(dialect, described)
                compiled.results[_RESULTS] = results
        finally:
            cursor.close()
        if not results:
            return rows
        return [_converted(row, results) for row in rows]

    def _result_processors(self, dialect, description: tuple) -> tuple:
        columns = getattr(self.statement, "exported_columns", ())
        return tuple(
            (index, processor)
            for index, (column, described) in enumerate(zip(columns, description, strict=True))
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, described))
        )

    def first(self, params: dict) -> tuple | None:
        rows = self._rows(params, 1)
        return rows[0] if rows else None

    def all(self, params: dict) -> list[tuple]:
        return self._rows(params)

    def scalars(self, params: dict) -> list:
        return [row[0] for row in self._rows(params)]

    def run(self, params: dict) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        cursor = self.execute(params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()
