"""Creating and dropping the test database: a SQLite file always, PostgreSQL on demand.

With ``ENS_TEST_DATABASE_URL`` set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/ens_test``),
each test run (each xdist worker) creates its own database named after that one with a
random suffix, and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url


class PostgresUnavailable(RuntimeError):
    pass


def _admin_engine(url):
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def test_database(tmp_dir: Path, worker: str):
    """Yield a database URL for this run; the database is removed afterwards."""
    base = os.environ.get("ENS_TEST_DATABASE_URL")
    if not base:
        path = tmp_dir / f"ens-test-{worker}.db"
        yield f"sqlite:///{path}"
        return
    url = make_url(base)
    name = f"{url.database or 'ens_test'}_{worker}_{secrets.token_hex(4)}"
    with postgres_database(url, name, "ENS_TEST_DATABASE_URL is set but PostgreSQL") as created:
        yield created


@contextmanager
def postgres_database(url: URL, name: str, server: str = "PostgreSQL"):
    """Create the database ``name`` on the PostgreSQL server of ``url``, yield its URL, and
    drop it at the end (the benchmarks use it too). ``server`` starts the message of the
    error raised when the server refuses."""
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a clear message rather than a wall of connection errors
        raise PostgresUnavailable(f"{server} at {url.host}:{url.port} refused: {exc}") from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
