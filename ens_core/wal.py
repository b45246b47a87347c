"""SQLite's write-ahead log, kept bounded under constant load.

In WAL mode a commit appends pages to ``<database>-wal``; SQLite copies them back into the
database (a checkpoint) once the log holds 1,000 pages, and the next writer starts the
log over from its beginning — **only if no reader still needs its end**. Under constant
load some connection is always reading (two gunicorn workers with four threads each, as
``make run`` serves): every checkpoint stops short, the log never starts over, and it
grows for as long as the load lasts. Measured (bench/RESULTS-after.md, "Eighth session"):
382 MB after two minutes of FHIR reads and searches under ``--threads 4``, 627 MB after
seven seconds of two processes reading without a pause; and each commit past the 1,000
pages tries a checkpoint of its own, with its fsyncs.

:func:`keep_bounded` is called after a commit (the FHIR express lane's, and when a pooled
connection comes back to the pool). At most every :data:`CHECK_EVERY` seconds per process
it looks at the log's size; past :data:`LIMIT` bytes it runs a ``RESTART`` checkpoint: it
copies the whole log back, waits (at most :data:`WAIT_MS`) for the readers still on it to
finish, and lets the next writer start the log over. ``journal_size_limit`` (set when a
connection opens) then truncates the file back to :data:`LIMIT`. Nothing here can fail a
request: the commit is done already, and a checkpoint that could not finish (a reader
held on longer) is tried again at the next look.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time

log = logging.getLogger("ens.db.wal")

LIMIT = 16 * 2**20  # bytes: past this, the log is checkpointed and started over
CHECK_EVERY = 0.1  # seconds between two looks at the log's size, per process
WAIT_MS = 50  # how long the checkpoint waits for readers to leave the log
_PATH = "ens_wal_path"  # the log's path ("" in memory), in a connection's info
_last_look = 0.0


def configure(limit: int, check_every: float) -> None:
    """Set from the app's configuration (``ENS_SQLITE_WAL_LIMIT_MB``, per process)."""
    global LIMIT, CHECK_EVERY
    LIMIT, CHECK_EVERY = limit, check_every


def on_connect(raw: sqlite3.Connection) -> None:
    """SQLite's own checkpoint after a commit waits until the log is twice :data:`LIMIT`
    (a safety net: below that :func:`keep_bounded` checkpoints, and a commit no longer
    tries one of its own — with its fsyncs — whenever the log is past 1,000 pages); a log
    started over is truncated back to :data:`LIMIT`, not kept at its largest."""
    (page_size,) = raw.execute("PRAGMA page_size").fetchone()
    raw.execute(f"PRAGMA wal_autocheckpoint={max(1000, 2 * int(LIMIT) // page_size)}")
    raw.execute(f"PRAGMA journal_size_limit={int(LIMIT)}")


def keep_bounded(raw: sqlite3.Connection, info: dict) -> bool:
    """After a commit on ``raw`` (``info``: its pool record's): checkpoint and start the log
    over if it is past :data:`LIMIT`, looked at most every :data:`CHECK_EVERY` seconds.
    Returns whether the log was checkpointed to its end (:func:`restart`)."""
    global _last_look
    now = time.monotonic()
    if now - _last_look < CHECK_EVERY or _in_transaction(raw):
        return False
    _last_look = now
    try:
        path = info.get(_PATH)
        if path is None:
            path = info[_PATH] = _log_path(raw)
        if not path or os.stat(path).st_size <= LIMIT:
            return False
    except OSError:  # no log yet, or the last connection removed it
        return False
    except sqlite3.Error:  # a connection closed under us: its pool replaces it
        log.warning("could not look at the write-ahead log", exc_info=True)
        return False
    return restart(raw)


def restart(raw: sqlite3.Connection) -> bool:
    """A ``RESTART`` checkpoint on ``raw``, waiting at most :data:`WAIT_MS` for readers;
    returns whether the log can start over (no reader was left on it)."""
    try:
        (busy_ms,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute(f"PRAGMA busy_timeout={WAIT_MS}")
        try:
            busy, _pages, _copied = raw.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    except sqlite3.Error:
        log.warning("WAL checkpoint failed; tried again later", exc_info=True)
        return False
    return busy == 0


def _in_transaction(raw: sqlite3.Connection) -> bool:
    try:
        return raw.in_transaction
    except sqlite3.Error:  # closed: nothing to checkpoint through it
        return True


def _log_path(raw: sqlite3.Connection) -> str:
    for _seq, name, file in raw.execute("PRAGMA database_list"):
        if name == "main":
            return f"{file}-wal" if file else ""
    return ""
