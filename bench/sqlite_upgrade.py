"""Why a deferred SQLite transaction that has read cannot become a writer under load.

    .venv/bin/python bench/sqlite_upgrade.py

Two connections on one WAL database, configured as the app configures them
(``ens_core/db.py``: ``busy_timeout=5000``, and SQLAlchemy emits a plain, deferred
``BEGIN``). Each case prints what the second connection's first write gets, and after how
long: this is what every FHIR request (reads first, then its access-log entry) and every
token request (client and token lookups, then the claim) does.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def attempt(label: str, conn: sqlite3.Connection, sql: str) -> None:
    started = time.perf_counter()
    try:
        conn.execute(sql)
        outcome = "ok"
    except sqlite3.OperationalError as error:
        outcome = f"{error} ({getattr(error, 'sqlite_errorname', '?')})"
    print(f"  {label}: {outcome} after {1000 * (time.perf_counter() - started):.0f} ms")


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="ens-sqlite-")
    try:
        run(Path(workdir) / "t.db")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(path: Path) -> None:
    setup = connect(path)
    setup.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, v TEXT)")
    a, b = connect(path), connect(path)

    print("1. A: BEGIN; SELECT.  B: writes and commits.  A: INSERT")
    a.execute("BEGIN")
    a.execute("SELECT count(*) FROM log").fetchone()
    b.execute("BEGIN")
    b.execute("INSERT INTO log (v) VALUES ('b')")
    b.execute("COMMIT")
    attempt("A's INSERT", a, "INSERT INTO log (v) VALUES ('a')")
    a.execute("ROLLBACK")

    print("2. A: BEGIN; SELECT.  B: BEGIN; INSERT (commits 300 ms later).  A: INSERT")
    a.execute("BEGIN")
    a.execute("SELECT count(*) FROM log").fetchone()
    b.execute("BEGIN")
    b.execute("INSERT INTO log (v) VALUES ('b')")
    threading.Timer(0.3, lambda: b.execute("COMMIT")).start()
    attempt("A's INSERT", a, "INSERT INTO log (v) VALUES ('a')")
    a.execute("ROLLBACK")
    time.sleep(0.4)

    print("3. A: BEGIN; SELECT.  nobody writes in between.  A: INSERT")
    a.execute("BEGIN")
    a.execute("SELECT count(*) FROM log").fetchone()
    attempt("A's INSERT", a, "INSERT INTO log (v) VALUES ('a')")
    a.execute("COMMIT")

    print(
        "4. B: BEGIN IMMEDIATE; INSERT (commits 300 ms later).  A: BEGIN IMMEDIATE; SELECT; INSERT"
    )
    b.execute("BEGIN IMMEDIATE")
    b.execute("INSERT INTO log (v) VALUES ('b')")
    threading.Timer(0.3, lambda: b.execute("COMMIT")).start()
    attempt("A's BEGIN IMMEDIATE", a, "BEGIN IMMEDIATE")
    a.execute("SELECT count(*) FROM log").fetchone()
    attempt("A's INSERT", a, "INSERT INTO log (v) VALUES ('a')")
    a.execute("COMMIT")
    print(
        "\nA deferred transaction reads a snapshot; its first write needs the write lock on "
        "that same snapshot.\nIf another connection committed since (1) or holds the write "
        "lock (2), SQLite answers at once\n(SQLITE_BUSY_SNAPSHOT / SQLITE_BUSY): waiting could "
        "only end on a stale snapshot, so busy_timeout is not used.\nBEGIN IMMEDIATE takes the "
        "write lock before reading and waits for it under busy_timeout (4): it does not fail so."
    )


if __name__ == "__main__":
    main()
