"""The SQL statements behind one request of each bench/api_load.py scenario.

    .venv/bin/python bench/api_queries.py [--database-url URL] [--scenarios read,search]

Same data and credentials as the load benchmark (bench/load_fixture.py), one request per
scenario through Flask's test client (no network), every statement the request sends
listed in order, with the transaction's first write marked: on SQLite that is where a
deferred transaction that has already read must upgrade to a writer. Each connection
checkout also costs one ``pool_pre_ping`` round trip (not a SQLAlchemy statement event:
counted apart).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load_fixture  # noqa: E402
from bench._common import migrated_app  # noqa: E402
from bench.api_load import ISSUER, SECRET, Requests, prepare_database  # noqa: E402

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument(
        "--scenarios", default="healthz,read,search,create,transaction,refresh,code"
    )
    parser.add_argument("--width", type=int, default=150, help="characters shown per statement")
    return parser.parse_args()


def _recorder(engine) -> tuple[list[str], list[int]]:
    """The statements ``engine`` sends from now on, and its pool's checkouts (a one-item
    list): the caller clears both before each request."""
    from sqlalchemy import event

    statements: list[str] = []
    checkouts = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    @event.listens_for(engine.pool, "checkout")
    def checkout(*_args):
        checkouts[0] += 1

    return statements, checkouts


def _print_statements(key, method, path, response, statements, checkouts, width) -> None:
    print(f"\n## {key}: {method} {path.split('?')[0]} -> {response.status_code}")
    print(
        f"{len(statements)} statements, {checkouts[0]} connection checkout(s)"
    )
    first_write = next((i for i, s in enumerate(statements) if WRITE.match(s)), None)
    for i, statement in enumerate(statements):
        mark = "  <- first write: the lock upgrade" if i == first_write else ""
        print(f"{i + 1:3}. {statement[:width]}{mark}")


def _show_queries(app, requests: Requests, args) -> None:
    """Each scenario's requests through the test client, with the statements of the last."""
    from ens_core.db import db

    with app.app_context():
        engine = db.engine
    statements, checkouts = _recorder(engine)
    http = app.test_client()
    for key in args.scenarios.split(","):
        # Twice: the second request shows the steady state (the citizen's access-log
        # chain head exists, caches are warm); single-use credentials differ.
        lines = requests.lines(key, 2)
        for line in (lines[0], lines[1] if key in ("refresh", "code") else lines[0]):
            method, path, body, *headers = line.split("\t")
            statements.clear()
            checkouts[0] = 0
            response = http.open(
                path,
                method=method,
                data=body.encode() or None,
                headers=dict(h.split(": ", 1) for h in headers),
            )
        _print_statements(key, method, path, response, statements, checkouts, args.width)


def main() -> None:
    args = _parse_args()
    import logging
    import os

    logging.getLogger("alembic").setLevel(logging.WARNING)

    workdir = Path(tempfile.mkdtemp(prefix="ens-api-queries-"))
    args.database_url = args.database_url or None
    url, _processes, drop = prepare_database(args, workdir)
    os.environ.update(
        ENS_DATABASE_URL=url,
        ENS_SECRET_KEY=SECRET,
        ENS_ISSUER=ISSUER,
        ENS_DATA_DIR=str(workdir / "data"),
    )
    try:
        app = migrated_app()
        fixture = load_fixture.build(app, citizens=4, observations=200, log=lambda _m: None)
        _show_queries(app, Requests(app, fixture, workdir), args)
    finally:
        drop()
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
