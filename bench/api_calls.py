"""Python calls and SQL statements per API request, in-process (no gunicorn, no wrk).

A deterministic proxy for the CPU a request costs: other processes on a shared machine
change timings, never the number of calls. The app runs on a temporary SQLite database
with the benchmark's fixture (bench/load_fixture.py); each scenario is called through the
WSGI app directly, warmed up, then counted over ``--requests`` requests.

    .venv/bin/python bench/api_calls.py                  # bare, read, search, refresh
    .venv/bin/python bench/api_calls.py --phases authenticate_request,record_access

``--phases`` also prints, for each named function, the calls made while it runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app():
    workdir = Path(tempfile.mkdtemp(prefix="ens-api-calls-"))
    os.environ.update(
        ENS_DATABASE_URL=f"sqlite:///{workdir / 'ens.db'}",
        ENS_SECRET_KEY="bench-api-calls-" + "x" * 32,
        ENS_ISSUER="http://127.0.0.1:5000",
        ENS_DATA_DIR=str(workdir / "data"),
    )
    logging.disable(logging.INFO)
    from flask_migrate import upgrade

    import bench.ens_app as ens_app

    with ens_app.app.app_context():
        upgrade()
    return ens_app.app


def _environs(app, requests: int) -> dict[str, list[dict]]:
    """Ready WSGI environs per scenario (one per request: a refresh token is single-use)."""
    from werkzeug.test import EnvironBuilder

    from bench import load_fixture

    fixture = load_fixture.build(app, citizens=16, observations=800, log=lambda *_: None)
    citizen, token = next(iter(load_fixture.access_tokens(app, fixture).items()))
    host = {"Host": "127.0.0.1:5000"}
    bearer = {**host, "Authorization": f"Bearer {token}"}
    observation = fixture.observation_ids[citizen][0]
    count = requests + 20

    def build(**kwargs) -> dict:
        return EnvironBuilder(**kwargs).get_environ()

    refresh = load_fixture.refresh_tokens(app, fixture, count)
    basic = {**host, "Authorization": fixture.basic_auth}
    return {
        "bare": [build(path="/bench/bare", headers=host) for _ in range(count)],
        "read": [
            build(path=f"/fhir/Observation/{observation}", headers=bearer) for _ in range(count)
        ],
        "search": [
            build(path="/fhir/Observation", query_string="code=29463-7&_count=10", headers=bearer)
            for _ in range(count)
        ],
        "refresh": [
            build(
                path="/oauth/token",
                method="POST",
                data={"grant_type": "refresh_token", "refresh_token": value},
                headers=basic,
            )
            for value in refresh
        ],
    }


def _call(app, environ: dict) -> str:
    status = []
    body = b"".join(app(environ, lambda s, _headers, _exc=None: status.append(s)))
    if not status[0].startswith("200"):
        raise SystemExit(f"{environ['PATH_INFO']}: {status[0]} {body[:300]!r}")
    return status[0]


class CallCounter:
    """Counts every Python and C call, and the calls made inside the named functions."""

    def __init__(self, phases: list[str]):
        self.total = 0
        self.inside = dict.fromkeys(phases, 0)
        self.stack: list[str | None] = []

    def __call__(self, frame, event, _arg):
        if event in ("call", "c_call"):
            self.total += 1
            for name in set(self.stack) - {None}:
                self.inside[name] += 1
            if event == "call":
                name = frame.f_code.co_name
                self.stack.append(name if name in self.inside else None)
        elif event == "return" and self.stack:
            self.stack.pop()


def measure(app, environs: list[dict], phases: list[str]) -> tuple[CallCounter, float]:
    from sqlalchemy import event

    from ens_core.db import db

    for environ in environs[:20]:
        _call(app, environ)
    with app.app_context():
        engine = db.engine
    statements = [0]

    def count_statement(*_args):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    counter = CallCounter(phases)
    sys.setprofile(counter)
    try:
        for environ in environs[20:]:
            _call(app, environ)
    finally:
        sys.setprofile(None)
        event.remove(engine, "before_cursor_execute", count_statement)
    return counter, statements[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="bare,read,search,refresh")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--phases", default="", help="function names to break the calls down")
    args = parser.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]
    app = _app()
    environs = _environs(app, args.requests)
    print("| request | Python calls | SQL statements through SQLAlchemy |")
    print("|---|---:|---:|")
    breakdowns = []
    for key in args.scenarios.split(","):
        counter, statements = measure(app, environs[key], phases)
        n = args.requests
        print(f"| {key} | {counter.total / n:,.0f} | {statements / n:.1f} |")
        breakdowns.append((key, counter))
    for key, counter in breakdowns if phases else ():
        inside = ", ".join(f"{k} {v / args.requests:,.0f}" for k, v in counter.inside.items())
        print(f"{key}: {inside}")


if __name__ == "__main__":
    main()
