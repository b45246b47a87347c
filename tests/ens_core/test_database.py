"""Pooled PostgreSQL connections: checked alive without a round trip per request."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from ens_core.db import db
from tests.conftest import make_test_app


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()  # the connection goes back to the pool
        return pid


@pytest.fixture
def postgres_app(database_url, tmp_path):
    """An app on its own PostgreSQL database. What is tested here is PostgreSQL's: a
    server ends connections (restart, terminate) and a network drops them; a SQLite file
    never does, so there is nothing to check there."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pooled connections; a SQLite file never drops one")
    app = make_test_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.own_database
def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(
    postgres_app, database_url
):
    app = postgres_app
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        ended = _backend_pid(app)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ended})
            deadline = time.monotonic() + 5
            while (
                connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": ended}
                )
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)

        # The next unit of work gets a new connection, not an error.
        assert _backend_pid(app) != ended
        assert app.test_client().get("/catalogue").status_code == 200
    finally:
        admin.dispose()


@pytest.mark.own_database
def test_a_live_connection_idle_past_the_ping_delay_is_pinged_and_kept(postgres_app, monkeypatch):
    monkeypatch.setattr("ens_core.database.PING_AFTER_IDLE", 0.0)
    first = _backend_pid(postgres_app)
    time.sleep(0.01)
    assert _backend_pid(postgres_app) == first  # pinged, answered, kept: no reconnection
