"""SQLite's write-ahead log stays bounded while readers never stop (ens_core.wal)."""

from __future__ import annotations

import os
import threading

import pytest

from ens_core import wal
from ens_core.db import db
from tests.conftest import make_test_app

LIMIT_MB = 0.25
COMMITS = 5_000
ROW = b"x" * 2_000  # a commit appends a page or two to the log


@pytest.fixture
def wal_log_path(database_url, tmp_path):
    """An app on a SQLite file of its own, the log's limit small, in its context: the
    log's path. The process-wide settings are put back afterwards."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log; PostgreSQL checkpoints on its own")
    saved = wal.LIMIT, wal.CHECK_EVERY
    app = make_test_app(
        f"sqlite:///{tmp_path / 'wal.db'}",
        tmp_path,
        ENS_SQLITE_WAL_LIMIT_MB=LIMIT_MB,
        ENS_SQLITE_WAL_CHECK_SECONDS=0.002,
    )
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE rows (body BLOB)")
        yield str(tmp_path / "wal.db-wal")
        db.engine.dispose()
    wal.configure(*saved)


def _largest_log_under_reads(log_path: str) -> int:
    """Commit ``COMMITS`` rows while another thread keeps a read transaction open almost
    all the time (as busy workers do); the log's largest size seen after a commit."""
    engine = db.engine
    stop = threading.Event()

    def read_without_pause():
        while not stop.is_set():
            with engine.connect() as conn:  # a deferred transaction: a snapshot held
                conn.exec_driver_sql("SELECT count(*) FROM rows").scalar()

    reader = threading.Thread(target=read_without_pause)
    reader.start()
    largest = 0
    try:
        for _ in range(COMMITS):
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO rows (body) VALUES (?)", (ROW,))
            largest = max(largest, os.stat(log_path).st_size)
    finally:
        stop.set()
        reader.join()
    return largest


@pytest.mark.own_database
def test_the_log_is_started_over_past_its_limit_while_readers_never_stop(wal_log_path):
    largest = _largest_log_under_reads(wal_log_path)
    # Without ens_core.wal the log grows to 30 MB here: every checkpoint stops short of
    # the reader's snapshot, and no commit can start the log over. With it, the log is
    # started over again and again (1.4 to 6.9 MB seen, two such tests at once).
    assert largest < 15 * 2**20, f"the log reached {largest / 2**20:.1f} MB"


@pytest.mark.own_database
def test_a_checkpoint_never_runs_inside_a_transaction(wal_log_path):
    with db.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO rows (body) VALUES (?)", (ROW,))
        raw = conn.connection.driver_connection
        assert raw.in_transaction
        assert wal.keep_bounded(raw, {}) is False
        conn.commit()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM rows").scalar() == 1


@pytest.mark.own_database
def test_a_closed_connection_is_left_alone(wal_log_path):
    wal.configure(wal.LIMIT, 0)  # look every time (the fixture puts the settings back)
    pooled = db.engine.raw_connection()
    raw = pooled.dbapi_connection
    raw.close()
    assert wal.keep_bounded(raw, {}) is False
    pooled.invalidate()
