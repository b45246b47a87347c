"""The transaction boundary: one commit or one rollback per request and per CLI command.

Views and services never commit or roll back (services flush); this module does, once,
when the unit of work ends (as indico's request handler and pyramid_tm do):

* **A request** ends in an ``after_request`` hook. A request that writes — POST, PUT,
  PATCH, DELETE, or a view marked :func:`writes` — commits when it answers 1xx–3xx and
  was not refused (:func:`roll_back`). A 4xx or 5xx answer, a refusal or an exception
  rolls everything back. A request that only reads always rolls back: it has nothing to
  keep, and an accidental write in a page that reads is not kept either.
* **A CLI command** wrapped in :func:`one_transaction` commits when it returns and rolls
  back when it raises.

**What survives a rollback** is written with :func:`record_even_if_refused`, and only in
these places (each says why where it calls it):

* the access-log entry of a refused FHIR call (``ens_core.fhir.services.perform``,
  ``ens_core.fhir.views.log_refused_call``): a refused attempt on a citizen's data is
  still an access the citizen must see;
* a failed login attempt (``ens_core.accounts.services.authenticate``) and the throttle
  counters a failure increments in the database (``ens_core.throttle.fail``: login, e-mailed
  links, OAuth client authentication): otherwise the throttle would never count a failure;
* at the token endpoint (``authz.grants``): the claim of an authorization code or refresh
  token (single use, whatever the outcome: a wrong PKCE verifier burns the code), and on
  reuse the revocation of what it yielded, its audit event and the citizen's alert;
* the ``jti`` of a ``private_key_jwt`` client assertion (``authz.server``): an assertion
  is usable once even if the request it authenticated is refused;
* the access-log entry of a guardian viewing the ward's space
  (``ens_core.health.dashboard.log_delegate_view``): the page still shows data when it
  answers 400 for a bad filter.

**Bookkeeping** that a page which only reads must not pay for with an error (a session's
last activity) is written with :func:`record_best_effort`: after the unit of work, in a
transaction of its own whose failure is logged, never answered.

**SQLite writers.** A unit of work that writes begins with ``BEGIN IMMEDIATE`` (see
``ens_core.db``): it waits for the write lock first, at most ``ENS_DB_LOCK_TIMEOUT``
seconds. A wait beyond that raises :class:`~ens_core.db.DatabaseBusy`, answered here with
503 and ``Retry-After`` in the format of the URL (HTML page, problem+json under /api,
OperationOutcome under /fhir, OAuth JSON at the token endpoints) — never 500. PostgreSQL
is unchanged (READ COMMITTED; it waits on row locks).

**Views that write last.** A FHIR read or search writes one thing, its access-log entry,
at the very end; the token endpoint reads (client, code or refresh token) before it claims
the code or token. Holding the write lock for the whole request would serialise every
such call on SQLite; such a view is marked :func:`writes_last` instead: it begins as a
reader (a deferred transaction), and :func:`begin_writing` — called by the access log
and by :func:`record_even_if_refused` before they write — ends that read snapshot and
begins again as a writer: the lock is held from the first write to the commit only. The
answer still leaves after the commit (no data served without its access-log entry).
A flush in such a view before :func:`begin_writing` is logged as a warning (on SQLite it
could fail as busy: a 503).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, Response, current_app, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from ens_core.db import WRITER_FLAG, DatabaseBusy, become_writer, db

T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNIT = "ens_unit_of_work"


@dataclass
class _UnitOfWork:
    writes: bool
    refused: bool = False
    survivors: list[Callable[[], object]] = field(default_factory=list)
    best_effort: list[Callable[[], object]] = field(default_factory=list)
    after_commit: list[Callable[[], object]] = field(default_factory=list)


def _start(writes: bool, *, writer: bool | None = None) -> _UnitOfWork:
    unit = _UnitOfWork(writes=writes)
    setattr(g, _UNIT, unit)
    setattr(g, WRITER_FLAG, writes if writer is None else writer)
    return unit


def _current() -> _UnitOfWork | None:
    return g.get(_UNIT) if has_app_context() else None


def _finish(unit: _UnitOfWork, keep: bool) -> None:
    """Commit, or roll back and write again what must survive, then commit that."""
    session = db.session
    try:
        if keep:
            session.commit()
        else:
            session.rollback()
            if unit.survivors:
                setattr(g, WRITER_FLAG, True)
                for write in unit.survivors:
                    write()
                session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        setattr(g, WRITER_FLAG, False)  # what may follow (an error page) only reads
    if unit.best_effort:
        _write_best_effort(unit.best_effort)
    if keep:
        for action in unit.after_commit:
            try:
                action()
            except Exception:  # committed already: report, do not turn it into an error
                current_app.logger.exception("after-commit action failed")


def _write_best_effort(writes: list[Callable[[], object]]) -> None:
    session = db.session
    setattr(g, WRITER_FLAG, True)
    try:
        for write in writes:
            write()
        session.commit()
    except SQLAlchemyError:  # a busy database: the bookkeeping waits for the next request
        session.rollback()
        current_app.logger.warning("best-effort bookkeeping not written", exc_info=True)
    finally:
        setattr(g, WRITER_FLAG, False)


# --- what views and services may call ----------------------------------------------------


def writes(view: Callable[..., T]) -> Callable[..., T]:
    """Mark a view answering GET that writes (an access-log entry, a notification read):
    it begins as a writer on SQLite and its writes are committed."""
    view.ens_writes = True  # type: ignore[attr-defined]
    return view


def writes_last(view: Callable[..., T]) -> Callable[..., T]:
    """Mark a view that reads first and writes last (a FHIR read and its access-log entry,
    the token endpoint): it begins as a reader; :func:`begin_writing` (which
    :func:`record_even_if_refused` calls) makes it a writer before its first write."""
    view.ens_writes = "last"  # type: ignore[attr-defined]
    return view


def begin_writing() -> None:
    """Say that the unit of work is about to write. In a :func:`writes_last` request on
    SQLite that has only read so far, end the read transaction and begin a writer's
    (``BEGIN IMMEDIATE``, waiting for the lock) in its place; what the session loaded stays
    loaded (it was read a moment before). Elsewhere nothing happens."""
    unit = _current()
    if unit is None or not unit.writes or g.get(WRITER_FLAG, False):
        return
    setattr(g, WRITER_FLAG, True)  # the next BEGIN, if any, is a writer's
    session = db.session()
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    if not become_writer(session.connection()):
        session.rollback()  # a reader that wrote nothing: its snapshot ends here


def roll_back() -> None:
    """Drop what this request or command wrote so far and keep nothing it writes later
    (what :func:`record_even_if_refused` recorded survives). For a refusal answered with a
    success status (an OAuth error redirect, a message and a redirect, a dry run), and
    before re-rendering a page so that it shows the database as it stands."""
    db.session.rollback()
    unit = _current()
    if unit is not None:
        unit.refused = True
        setattr(g, WRITER_FLAG, False)  # nothing written from now on is kept


def record_even_if_refused(write: Callable[[], T]) -> T:
    """Write now, in the current transaction; if the boundary then rolls back, write again
    in a transaction of its own, committed after the rollback.

    ``write`` must be repeatable and use only rows that existed before the request (after
    the rollback, objects it created are gone). Outside a boundary (a test calling a
    service) it is just called. The places that use it are listed in this module's doc.
    """
    begin_writing()
    result = write()
    unit = _current()
    if unit is not None:
        unit.survivors.append(write)
    return result


def record_best_effort(write: Callable[[], object]) -> None:
    """Write once this request or command has ended (committed or rolled back), in a short
    transaction of its own whose failure (a busy database) is logged and never answered:
    for bookkeeping a page that only reads must not pay with an error, such as a
    session's last activity. Outside a boundary it is written at once."""
    unit = _current()
    if unit is None:
        write()
    else:
        unit.best_effort.append(write)


def after_commit(action: Callable[[], object]) -> None:
    """Run ``action`` once this request or command has committed, never if it rolls back:
    for effects outside the database (deleting the file a new logo replaced). Outside a
    boundary it runs at once."""
    unit = _current()
    if unit is None:
        action()
    else:
        unit.after_commit.append(action)


def one_transaction(command: Callable[..., T]) -> Callable[..., T]:
    """The boundary of a CLI command that writes: commit when it returns, roll back when
    it raises (a ``click.ClickException``, ``SystemExit``, anything). It begins as a writer
    on SQLite. Commands that only read need no boundary."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        unit = _start(writes=True)
        try:
            result = command(*args, **kwargs)
        except BaseException:
            _finish(unit, keep=False)
            raise
        finally:
            g.pop(_UNIT, None)
        _finish(unit, keep=not unit.refused)
        return result

    return run


# --- requests ------------------------------------------------------------------------------


def request_writes() -> bool:
    """Whether the current request writes, known before its first statement: any method
    but GET/HEAD/OPTIONS, or a view marked :func:`writes` (every /fhir read, for one)."""
    if request.method not in READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "ens_writes", False))


def _begin_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    late = getattr(view, "ens_writes", None) == "last"
    _start(writes=request_writes(), writer=False if late else None)


@event.listens_for(Session, "before_flush")
def _flush_before_writing(session, flush_context, instances):
    """A write in a :func:`writes_last` unit that did not call :func:`begin_writing`."""
    unit = _current()
    if unit is None or not unit.writes or unit.refused or g.get(WRITER_FLAG, False):
        return
    if not (session.new or session.dirty or session.deleted):
        return
    if session.in_transaction():
        current_app.logger.warning("write before begin_writing() in %s", request.endpoint)
    else:
        setattr(g, WRITER_FLAG, True)  # nothing read yet: this transaction begins as writer


def _end_request(response: Response) -> Response:
    unit = g.pop(_UNIT, None) or _UnitOfWork(writes=False)
    keep = unit.writes and not unit.refused and response.status_code < 400
    try:
        _finish(unit, keep)
    except DatabaseBusy:
        return busy_answer()
    return response


def busy_answer() -> Response:
    """503 + Retry-After, in the format the URL answers errors in (the HTTP error handlers
    choose: an HTML page, problem+json, an OperationOutcome, OAuth JSON)."""
    error = ServiceUnavailable(
        "The database is busy with other writes: nothing was changed, try again shortly."
    )
    response = current_app.make_response(current_app.handle_user_exception(error))
    response.headers["Retry-After"] = str(current_app.config["ENS_RETRY_AFTER_SECONDS"])
    return response


def _database_busy(error: DatabaseBusy):
    roll_back()
    current_app.logger.warning("database busy beyond the lock timeout: answered 503")
    return busy_answer()


def init_app(app: Flask) -> None:
    """Call last in the factory: the boundary's ``after_request`` then runs before the
    app's others (Flask runs them in reverse), so the headers they add reach every answer,
    a 503 it substitutes included. Its ``before_request`` runs first of all."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin_request)
    app.after_request(_end_request)
    app.register_error_handler(DatabaseBusy, _database_busy)
