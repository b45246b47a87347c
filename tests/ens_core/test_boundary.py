"""The transaction boundary (ens_core.boundary): one commit or one rollback per request and
per CLI command, what survives a rollback, and SQLite's writer transactions with their
bounded lock wait (503 + Retry-After, never 500).

These tests use an app of their own on the test database (a short lock timeout, CSRF off,
unexpected errors answered as in production) with a few probe routes, and commit for
real; the tables are emptied after each test.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import click
import pytest
from flask import redirect
from sqlalchemy import event, func, select

from authz.consent import record_consent
from authz.models import ClientKind
from authz.services import create_client
from authz.tokens import issue_tokens
from catalogue.models import ServiceStatus
from ens_core.accounts.models import LoginAttempt, Role
from ens_core.audit.models import AuditEvent
from ens_core.boundary import after_commit, one_transaction, record_even_if_refused, roll_back
from ens_core.boundary import writes as writes_on_get
from ens_core.db import db
from tests.authz.support import fhir_token
from tests.conftest import make_test_app
from tests.factories import make_service, make_user
from tests.serving import empty_all_tables

pytestmark = pytest.mark.own_database

LOCK_TIMEOUT = 0.2  # seconds
committed_effects: list[str] = []


def _write(action: str) -> None:
    db.session.add(AuditEvent(action=action, object_type="probe", object_id="1"))
    db.session.flush()


def _add_probe_routes(app) -> None:
    @app.post("/_probe/<int:status>")
    def write_then_answer(status: int):
        _write("written")
        return "", status

    @app.post("/_probe/refused-redirect")
    def refused_redirect():
        _write("written")
        roll_back()
        return redirect("/")

    @app.post("/_probe/survivor/<int:status>")
    def survivor(status: int):
        _write("written")
        record_even_if_refused(lambda: _write("survivor"))
        return "", status

    @app.get("/_probe/reader")
    def reader():
        _write("written")
        return ""

    @app.get("/_probe/writer")
    @writes_on_get
    def writer():
        _write("written")
        return ""

    @app.post("/_probe/crash")
    def crash():
        _write("written")
        raise RuntimeError("a bug")

    @app.post("/_probe/after-commit/<int:status>")
    def effect(status: int):
        _write("written")
        after_commit(lambda: committed_effects.append("done"))
        return "", status

    @app.cli.command("probe-write")
    @click.option("--fail", is_flag=True)
    @one_transaction
    def probe_write(fail: bool):
        _write("written")
        if fail:
            raise click.ClickException("refused")


@pytest.fixture
def boundary_app(app, database_url, tmp_path):
    probe = make_test_app(
        database_url,
        tmp_path,
        TESTING=False,
        WTF_CSRF_ENABLED=False,
        ENS_DB_LOCK_TIMEOUT=LOCK_TIMEOUT,
    )
    _add_probe_routes(probe)
    committed_effects.clear()
    yield probe
    empty_all_tables(probe)
    with probe.app_context():
        db.engine.dispose()


def _actions(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(AuditEvent.action)))


# --- one commit or one rollback ------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 302])
def test_a_request_that_writes_and_succeeds_is_committed(boundary_app, status):
    assert boundary_app.test_client().post(f"/_probe/{status}").status_code == status
    assert _actions(boundary_app) == ["written"]


@pytest.mark.parametrize("status", [400, 403, 409, 422, 500])
def test_an_error_answer_rolls_everything_back(boundary_app, status):
    assert boundary_app.test_client().post(f"/_probe/{status}").status_code == status
    assert _actions(boundary_app) == []


@pytest.mark.parametrize(
    ("method", "path", "status", "kept"),
    [
        pytest.param("POST", "/_probe/refused-redirect", 302, [], id="refusal-with-a-redirect"),
        pytest.param("POST", "/_probe/crash", 500, [], id="exception-answers-500"),
        pytest.param("GET", "/_probe/reader", 200, [], id="page-that-only-reads"),
        pytest.param("GET", "/_probe/writer", 200, ["written"], id="page-marked-as-writing"),
    ],
)
def test_a_request_keeps_exactly_what_its_outcome_allows(boundary_app, method, path, status, kept):
    """A refusal answered with a redirect keeps nothing; an exception rolls back and answers
    500; a page that only reads keeps no accidental write; a page marked as writing is
    committed."""
    assert boundary_app.test_client().open(path, method=method).status_code == status
    assert _actions(boundary_app) == kept


@pytest.mark.parametrize("status", [200, 400])
def test_what_must_survive_is_written_exactly_once_whatever_the_answer(boundary_app, status):
    assert boundary_app.test_client().post(f"/_probe/survivor/{status}").status_code == status
    expected = ["survivor", "written"] if status == 200 else ["survivor"]
    assert _actions(boundary_app) == expected


@pytest.mark.parametrize(("status", "effects"), [(200, ["done"]), (400, [])])
def test_after_commit_effects_run_only_once_committed(boundary_app, status, effects):
    boundary_app.test_client().post(f"/_probe/after-commit/{status}")
    assert committed_effects == effects


def test_a_cli_command_commits_when_it_returns_and_rolls_back_when_it_fails(boundary_app):
    runner = boundary_app.test_cli_runner()
    assert runner.invoke(args=["probe-write", "--fail"]).exit_code != 0
    assert _actions(boundary_app) == []
    assert runner.invoke(args=["probe-write"]).exit_code == 0
    assert _actions(boundary_app) == ["written"]


# --- SQLite: writers begin as writers, a lock wait is bounded ----------------------------


def _sqlite_path(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock and busy timeout; PostgreSQL waits on row locks")
    return database_url.removeprefix("sqlite:///")


@contextmanager
def _begins(app):
    """The BEGIN statements the app's connections send, as SQLite's driver traces them (the
    app sends them to the driver directly)."""
    seen: list[str] = []

    def trace(statement):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    def traced(dbapi_connection, _record):
        dbapi_connection.set_trace_callback(trace)

    with app.app_context():
        engine = db.engine
    engine.dispose()  # new connections, each traced
    event.listen(engine, "connect", traced)
    try:
        yield seen
    finally:
        event.remove(engine, "connect", traced)
        engine.dispose()


def test_on_sqlite_writers_begin_immediate_and_readers_deferred(boundary_app, database_url):
    _sqlite_path(database_url)
    client = boundary_app.test_client()
    with _begins(boundary_app) as seen:
        client.post("/_probe/200")
    assert seen == ["BEGIN IMMEDIATE"]
    with _begins(boundary_app) as seen:
        client.get("/catalogue")
    assert seen == ["BEGIN"]
    with _begins(boundary_app) as seen:
        client.get("/_probe/writer")
    assert seen == ["BEGIN IMMEDIATE"]


def test_on_sqlite_a_fhir_read_and_the_token_endpoint_take_the_write_lock_last(
    boundary_app, database_url
):
    _sqlite_path(database_url)
    token = _fhir_token(boundary_app)
    refresh, credentials = _refresh_request(boundary_app)
    client = boundary_app.test_client()
    with _begins(boundary_app) as seen:
        response = client.get("/fhir/Observation", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    # Reads (the signing keys, once per process; the token's state and the records), then
    # the access-log entry.
    assert set(seen[:-1]) == {"BEGIN"} and seen[-1] == "BEGIN IMMEDIATE"
    with _begins(boundary_app) as seen:
        response = client.post("/oauth/token", data=refresh, auth=credentials)
    assert response.status_code == 200
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]  # client and token lookups, then the claim


@contextmanager
def _write_lock_held(path: str):
    """Another connection holds SQLite's write lock (as a long write elsewhere would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _fhir_token(app) -> str:
    with app.app_context():
        citizen = make_user(Role.CITIZEN)
        service = make_service(status=ServiceStatus.REFERENCED)
        token = fhir_token(citizen, service, "launch/patient patient/Observation.rs")
        db.session.commit()
        return token


def _refresh_request(app) -> tuple[dict, tuple[str, str]]:
    """A valid refresh-token request (form, basic auth) of a confidential client."""
    scopes = ["patient/Observation.rs", "offline_access"]
    with app.app_context():
        citizen = make_user(Role.CITIZEN)
        service = make_service(status=ServiceStatus.REFERENCED)
        client, secret = create_client(
            service,
            kind=ClientKind.PRODUCTION,
            name="Refresher",
            redirect_uris=["http://127.0.0.1:8765/callback"],
            scope_ceiling=" ".join(scopes),
        )
        grant, _ = record_consent(citizen, service, client, scopes)
        issued = issue_tokens(grant, client, scopes, include_refresh=True)
        db.session.commit()
        form = {"grant_type": "refresh_token", "refresh_token": issued.refresh_token}
        return form, (client.client_id, secret)


def test_a_lock_wait_beyond_the_bound_answers_503_with_retry_after(boundary_app, database_url):
    path = _sqlite_path(database_url)
    token = _fhir_token(boundary_app)
    refresh, credentials = _refresh_request(boundary_app)
    client = boundary_app.test_client()
    login = {"email": "nobody@test.ens", "password": "wrong-password"}
    with _write_lock_held(path):
        page = client.post("/login", data=login)
        problem = client.post("/login", data=login, headers={"Accept": "application/json"})
        fhir = client.get("/fhir/Observation", headers={"Authorization": f"Bearer {token}"})
        # A failed client authentication is counted (throttling; in the database when there
        # is no Redis): it waits for the lock like any other writer.
        invalid = client.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "client_id": "demo", "code": "x"},
        )
        oauth = client.post("/oauth/token", data=refresh, auth=credentials)
        reading = client.get("/catalogue")

    for response in (page, problem, fhir, oauth, invalid):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
    assert "Service momentanément surchargé" in page.get_data(as_text=True)
    assert problem.mimetype == "application/problem+json"
    assert problem.get_json()["status"] == 503
    assert fhir.mimetype == "application/fhir+json"
    assert fhir.get_json()["resourceType"] == "OperationOutcome"
    assert fhir.get_json()["issue"][0]["code"] == "transient"
    assert oauth.get_json()["error"] == "temporarily_unavailable"
    assert oauth.headers["Cache-Control"] == "no-store"
    assert reading.status_code == 200  # a page that only reads never waits

    # Nothing was half-written while refused; once the lock is free the same login is
    # answered as usual and its failed attempt is recorded.
    assert client.post("/login", data=login).status_code == 401
    with boundary_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 1
