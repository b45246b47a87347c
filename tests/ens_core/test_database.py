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


@pytest.mark.own_database
def test_a_connection_the_server_ended_is_replaced_before_a_request_uses_it(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL ends connections (restart, terminate); a SQLite file never does")
    app = make_test_app(database_url, tmp_path)
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
        with app.app_context():
            db.engine.dispose()


@pytest.mark.own_database
def test_a_live_connection_idle_past_the_ping_delay_is_pinged_and_kept(
    database_url, tmp_path, monkeypatch
):
    if not database_url.startswith("postgresql"):
        pytest.skip("the liveness ping is PostgreSQL's; a SQLite file never drops")
    monkeypatch.setattr("ens_core.database.PING_AFTER_IDLE", 0.0)
    app = make_test_app(database_url, tmp_path)
    try:
        first = _backend_pid(app)
        time.sleep(0.01)
        assert _backend_pid(app) == first  # pinged, answered, kept: no reconnection
    finally:
        with app.app_context():
            db.engine.dispose()
