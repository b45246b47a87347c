"""Prepared statements for the few SQL statements every API call runs.

SQLAlchemy's ``Connection.execute`` costs some 200 Python calls a statement (cache key,
execution context, result metadata) before the driver's few microseconds. Each FHIR call
runs a handful of tiny statements (the citizen's access-log chain: lock the head, append,
move the head; the data types the citizen hid): :class:`Prepared` compiles such a Core
statement once per database dialect and runs it on the DB-API cursor of the session's own
connection, in the request's transaction, with the column types' bind and result
processors applied (the dialect's own, as SQLAlchemy would: a datetime stored as text on
SQLite comes back a datetime, an enum its member). What it cannot run faithfully it
refuses when it is built: expanding ``IN`` parameters — those statements keep going
through SQLAlchemy.

Driver errors are translated as SQLAlchemy's own would be (``DatabaseBusy`` for a SQLite
lock wait that timed out, else ``DBAPIError.instance``), so the transaction boundary
answers them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from ens_core.db import DatabaseBusy, db, is_busy


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: dict
    results: tuple  # (index, processor) of each result column that converts


def _converted(row, results) -> tuple:
    values = list(row)
    for index, processor in results:
        values[index] = processor(values[index])
    return tuple(values)


_CONNECTION = "ens_prepared_connection"


def session_connection():
    """The session's connection in its current transaction (``Session.connection()``,
    remembered for that transaction: asking the session costs more than a statement)."""
    session = db.session()
    transaction = session.get_transaction()
    known = session.info.get(_CONNECTION)
    if transaction is not None and known is not None and known[0] is transaction:
        return known[1]
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
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
        results = tuple(
            (index, processor)
            for index, column in enumerate(getattr(self.statement, "exported_columns", ()))
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        )
        processors = {
            bind.key: processor
            for bind in binds
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        names = tuple(compiled.positiontup or ()) if compiled.positional else ()
        return _Compiled(str(compiled), names, compiled.positional, processors, results)

    def execute(self, params: dict):
        """Run with ``params`` in the session's transaction; the DB-API cursor."""
        return self._run(params)[0]

    def _run(self, params: dict):
        connection = session_connection()
        dialect = connection.dialect
        compiled = self._for(dialect)
        values = dict(params)
        for name, processor in compiled.processors.items():
            if name in values:
                values[name] = processor(values[name])
        args = tuple(values[name] for name in compiled.names) if compiled.positional else values
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, args)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            if dialect.name == "sqlite" and is_busy(error):
                raise DatabaseBusy(compiled.sql, args, error) from error
            raise DBAPIError.instance(
                compiled.sql, args, error, dialect.loaded_dbapi.Error
            ) from error
        return cursor, compiled

    def _rows(self, params: dict, limit: int | None = None) -> list[tuple]:
        cursor, compiled = self._run(params)
        try:
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        finally:
            cursor.close()
        if not compiled.results:
            return rows
        return [_converted(row, compiled.results) for row in rows]

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
