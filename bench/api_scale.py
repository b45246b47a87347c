"""Is the API's p95 flat from 1k to 1M grants? (issue 13, PostgreSQL only)

    .venv/bin/python bench/api_scale.py                       # 1k → 1M grants, 5M Observations, 30 s
    .venv/bin/python bench/api_scale.py --grants 20000 --observations 100000 --duration 5 \\
        --rounds 2 --memory-after 0                           # a smoke run, a few minutes
    .venv/bin/python bench/api_scale.py --explain             # EXPLAIN ANALYZE of the hot path too

It creates a database ``ens_bench_<pid>`` on ``--database-url`` (both databases are
dropped at the end unless ``--keep``), migrates it and builds bench/api_load.py's fixture
through the app's own services (bench/load_fixture.py: ``--citizens`` citizens, 64, with a
consent and 5 Observations each: their tokens are the ones every run uses). It bulk-loads
filler rows with ``INSERT … SELECT generate_series`` up to ``--small-grants`` grants and
``--small-observations`` Observations (1,000 and 5,000: the **small** scale) and runs
VACUUM ANALYZE. It then copies that database (``CREATE DATABASE … TEMPLATE``: the same
fixture, ids and keys) to ``ens_bench_<pid>_large`` and loads more filler there up to
``--grants`` grants and ``--observations`` Observations (the **large** scale), VACUUM
ANALYZE again.

Both databases are served at once, each by its own gunicorn, and each scenario
(``--scenarios``, default read, search and the refresh grant) runs ``--rounds`` times on
each, small and large in turn (small first in odd rounds, large first in even ones), with
wrk at ``--concurrency`` for ``--duration`` s. On a shared machine the p95 follows the
other sessions' load more than the tables' size; runs taken one after the other, in both
orders, see the same load. Access tokens are minted afresh before each run, as
bench/api_load.py does (they live 10 minutes; refresh tokens are single-use).

The filler is cloned from the rows the services wrote for the fixture's first citizen, so
every column has the shape the app gives it; only ids, names, dates, values and secrets
change. Per filler citizen: an account (the fixture's argon2 password hash) and its role,
a grant to the bench service with its consent receipt, audit event and notification, the
authorization code the family started from, and a refresh-token family of two tokens (the
first rotated out, the live one pointing at it: what a live system keeps after the daily
purge); its Observations are clones of the fixture's, with other dates, values and random
public ids. Refresh-token hashes are SHA-256 hex, ``jti`` and PKCE challenges
URL-safe base64, as the app makes them. Foreign-key triggers are off while loading
(``session_replication_role = replica``); every reference written is checked afterwards.
Each filler citizen also has 5 access-log entries and its chain head (random hashes: the
log's rows and indexes, not chains that verify).

It prints, per scenario, the p95 of every round at each scale, the ratio of their
medians, p95(large) ÷ p95(small) (goal ≤ 1.25), and each round's own ratio; then every run
(req/s, p50/p95/p99, non-2xx, the CPU per request in the workers and the database), and the
resident memory of each gunicorn worker of the large database once at least
``--memory-after`` requests were served there (read requests are added until then; goal ≤
150 MB). Options it does not know go to bench/api_load.py's parser (``--nice``,
``--max-foreign``, ``--workers``, ``--threads``…).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api_load, load_fixture  # noqa: E402
from bench.load_procs import CpuMeter, Gunicorn, rss_mb  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# bench/api_load.py's options, as this long run on a shared machine wants them; the same
# options given on the command line come later and win.
BENCH_DEFAULTS = ["--max-foreign", "0.8", "--retries", "0", "--quiet-timeout", "10"]
GOAL_P95_RATIO = 1.25
LOG_ENTRIES_PER_CITIZEN = 5  # filler: each citizen's Observations read once
GOAL_RSS_MB = 150
log = api_load.log


class ScaleBench(api_load.Bench):
    """bench/api_load.py's Bench, keeping wrk's p95 of each run (worst window)."""

    def _run_once(self, scenario, connections, round_no):
        self.windows: list[dict] = []
        run = super()._run_once(scenario, connections, round_no)
        run.p95_ms = max(w.get("p95_us", 0) for w in self.windows) / 1000
        return run

    def run_window(self, scenario, connections, seconds):
        result, cpu, loadavg = super().run_window(scenario, connections, seconds)
        if hasattr(self, "windows"):
            self.windows.append(result)
        return result, cpu, loadavg


# --- the filler: bulk SQL shaped by the fixture's own rows ---------------------------------


def _hex_sha256(label: str) -> str:
    """SQL: a SHA-256 hex digest (hash_secret's shape) of a random value unique per row."""
    return f"encode(sha256(convert_to('{label}:' || g || ':' || random(), 'UTF8')), 'hex')"


def _urlsafe(label: str, nbytes: int) -> str:
    """SQL: ``secrets.token_urlsafe(nbytes)``'s shape (URL-safe base64, no padding)."""
    digest = f"sha256(convert_to('{label}:' || g || ':' || random(), 'UTF8'))"
    return f"translate(encode(substring({digest} from 1 for {nbytes}), 'base64'), '+/=', '-_')"


def _iso(timestamp: str) -> str:
    """SQL: a timestamp as Python's ``isoformat()`` writes it in UTC (receipts' JSON)."""
    return f"""to_char(({timestamp}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


# Each filler citizen's consent is ``mod(g, 360)`` days older than the fixture's.
AGE = "mod(g, 360) * interval '1 day'"


@dataclass
class Filler:
    """Clones template rows with ``INSERT … SELECT``; ``ids`` holds each table's first
    filler id minus one (filler rows of users, grants, codes and tokens get ids
    ``base + g``, g = 1…n, so that the rows of one citizen can point at each other)."""

    conn: object  # psycopg.Connection, autocommit
    ids: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, int, float]] = field(default_factory=list)

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [r[0] for r in rows]

    def base(self, table: str) -> int:
        if table not in self.ids:
            query = f"SELECT coalesce(max(id), 0) FROM {table}"  # noqa: S608 - our table names
            self.ids[table] = self.conn.execute(query).fetchone()[0]
        return self.ids[table]

    def clone(self, table: str, source: str, overrides: dict[str, str | None], **params) -> int:
        """Insert one row per row of ``source`` (a FROM clause naming the template ``t``),
        every column copied from ``t`` unless ``overrides`` gives its SQL (None: left to
        its default, e.g. the id sequence)."""
        names = [c for c in self.columns(table) if overrides.get(c, "") is not None]
        values = ", ".join(overrides.get(c) or f"t.{c}" for c in names)
        started = time.monotonic()
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} FROM {source}",  # noqa: S608 - our SQL
            params,
        )
        if "id" in overrides and overrides["id"] is not None:
            self.conn.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                (table, self.base(table) + cursor.rowcount),
            )
        seconds = time.monotonic() - started
        self.timings.append((table, cursor.rowcount, seconds))
        log(f"    {table}: {cursor.rowcount:,} rows in {seconds:.0f} s")
        return cursor.rowcount


def _series(template: str) -> str:
    return f"generate_series(1, %(n)s) AS g CROSS JOIN ({template}) AS t"


def fill_accounts(filler: Filler, n: int, citizen: int) -> None:
    """``n`` citizens (ids users.base + g) and their role."""
    users = filler.base("users")
    filler.clone(
        "users",
        _series("SELECT * FROM users WHERE id = %(citizen)s"),
        {
            "id": f"{users} + g",
            "email": f"'rempli' || {users} + g || '@bench.ens'",
            "name": f"'Citoyen Rempli ' || {users} + g",
            "birth_date": "date '1940-01-01' + mod(g * 37, 29000)",
            "created_at": f"t.created_at - {AGE} - interval '1 day'",
        },
        n=n,
        citizen=citizen,
    )
    filler.clone(
        "user_roles",
        _series("SELECT * FROM user_roles WHERE user_id = %(citizen)s"),
        {"id": None, "user_id": f"{users} + g", "granted_at": f"t.granted_at - {AGE}"},
        n=n,
        citizen=citizen,
    )


def fill_consents(filler: Filler, n: int, citizen: int, grant: int) -> None:
    """A grant per filler citizen (ids grants.base + g), and what comes with it."""
    users, grants = filler.base("users"), filler.base("oauth_grants")
    who = f"{users} + g"
    filler.clone(
        "oauth_grants",
        _series("SELECT * FROM oauth_grants WHERE id = %(grant)s"),
        {
            "id": f"{grants} + g",
            "citizen_id": who,
            "consented_by_id": who,
            **{c: f"t.{c} - {AGE}" for c in ("created_at", "updated_at", "expires_at")},
        },
        n=n,
        grant=grant,
    )
    fill_consent_records(filler, n, citizen, grant)


def fill_consent_records(filler: Filler, n: int, citizen: int, grant: int) -> None:
    """What ``record_consent`` writes besides the grant: a receipt, an audit event and
    the citizen's notification."""
    grants = filler.base("oauth_grants")
    who = f"{filler.base('users')} + g"
    issued = _iso(f"t.created_at - {AGE}")
    expires = _iso(f"(t.document ->> 'expires_at')::timestamptz - {AGE}")
    document = (
        f"(t.document::jsonb || jsonb_build_object('receipt_id', receipt, 'citizen_id', {who}, "
        f"'consented_by_id', {who}, 'issued_at', {issued}, 'expires_at', {expires}))::json"
    )
    filler.clone(
        "oauth_consent_receipts",
        "(SELECT g, gen_random_uuid()::text AS receipt FROM generate_series(1, %(n)s) AS g) AS s "
        "CROSS JOIN (SELECT * FROM oauth_consent_receipts WHERE grant_id = %(grant)s "
        "ORDER BY id LIMIT 1) AS t",
        {
            "id": None,
            "public_id": "receipt",
            "grant_id": f"{grants} + g",
            "citizen_id": who,
            "consented_by_id": who,
            "document": document,
            "created_at": f"t.created_at - {AGE}",
        },
        n=n,
        grant=grant,
    )
    filler.clone(
        "audit_events",
        _series(
            "SELECT * FROM audit_events WHERE action = 'oauth.consent' "
            "AND object_type = 'grant' AND object_id = %(grant)s::text"
        ),
        {
            "id": None,
            "at": f"t.at - {AGE}",
            "actor_id": who,
            "object_id": f"({grants} + g)::text",
            "details": f"(t.details::jsonb || jsonb_build_object('citizen', {who}))::json",
        },
        n=n,
        grant=str(grant),
    )
    filler.clone(
        "notifications",
        _series("SELECT * FROM notifications WHERE user_id = %(citizen)s ORDER BY id LIMIT 1"),
        {"id": None, "user_id": who, "created_at": f"t.created_at - {AGE}"},
        n=n,
        citizen=citizen,
    )


def fill_tokens(filler: Filler, n: int, code: int, token: int) -> None:
    """Per filler grant, the authorization code its family came from and the family: the
    first token (refresh token used when it was rotated) and the live rotation."""
    grants, codes = filler.base("oauth_grants"), filler.base("oauth_codes")
    tokens = filler.base("oauth_tokens")
    filler.clone(
        "oauth_codes",
        _series("SELECT * FROM oauth_codes WHERE id = %(code)s"),
        {
            "id": f"{codes} + g",
            "code_hash": _hex_sha256("code"),
            "grant_id": f"{grants} + g",
            "code_challenge": _urlsafe("challenge", 32),
            "created_at": f"t.created_at - {AGE}",
            "expires_at": f"t.expires_at - {AGE}",
            "used_at": f"t.created_at - {AGE} + interval '2 seconds'",
        },
        n=n,
        code=code,
    )
    # g = 2k - 1: the first token of family k; g = 2k: its rotation, issued hours later.
    family = "(g + 1) / 2"
    first = "mod(g, 2) = 1"
    issued = f"t.issued_at - mod({family}, 360) * interval '1 day'"
    rotated = f"{issued} + (mod({family}, 700) + 1) * interval '1 hour'"
    filler.clone(
        "oauth_tokens",
        "generate_series(1, 2 * %(n)s) AS g CROSS JOIN "
        "(SELECT * FROM oauth_tokens WHERE id = %(token)s) AS t",
        {
            "id": f"{tokens} + g",
            "grant_id": f"{grants} + {family}",
            "code_id": f"{codes} + {family}",
            "parent_id": f"CASE WHEN {first} THEN NULL ELSE {tokens} + g - 1 END",
            "jti": _urlsafe("jti", 16),
            "issued_at": f"CASE WHEN {first} THEN {issued} ELSE {rotated} END",
            "access_expires_at": f"CASE WHEN {first} THEN {issued} ELSE {rotated} END "
            "+ interval '10 minutes'",
            "refresh_token_hash": _hex_sha256("refresh"),
            "refresh_expires_at": f"t.refresh_expires_at - mod({family}, 360) * interval '1 day'",
            "refresh_used_at": f"CASE WHEN {first} THEN {rotated} END",
        },
        n=n,
        token=token,
    )


def fill_observations(filler: Filler, citizens: int, observations: int, citizen: int) -> None:
    """``observations`` Observations spread evenly over the filler citizens, in citizen
    order, cloned in turn from the fixture citizen's own (its codes, units and kinds)."""
    per, extra = divmod(observations, citizens)
    users = filler.base("users")
    filler.clone(
        "health_measurements",
        "generate_series(1, %(n)s) AS c "
        "CROSS JOIN LATERAL generate_series(1, %(per)s + (c <= %(extra)s)::int) AS k "
        "JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS r, * FROM health_measurements "
        "WHERE citizen_id = %(citizen)s) AS t "
        "ON t.r = mod(k - 1, (SELECT count(*) FROM health_measurements "
        "WHERE citizen_id = %(citizen)s))",
        {
            "id": None,
            "public_id": "replace(gen_random_uuid()::text, '-', '')",
            "citizen_id": f"{users} + c",
            "effective_at": "t.effective_at - mod(c, 360) * interval '1 day' "
            "- k * interval '7 hours' - random() * interval '1 hour'",
            "value": "round((t.value * (0.85 + 0.3 * random()))::numeric, 1)::float8",
            "created_at": "t.created_at - mod(c, 360) * interval '1 day'",
            "updated_at": "t.updated_at - mod(c, 360) * interval '1 day'",
        },
        n=citizens,
        per=per,
        extra=extra,
        citizen=citizen,
    )


def fill_access_log(filler: Filler, citizens: int, per: int, citizen: int) -> None:
    """``per`` access-log entries per filler citizen (seq 1…per, a service's reads, the
    newest ``per`` hours after its consent) and its chain head at the last one. Their
    hashes are random SHA-256 hex: the rows and indexes have the log's shape, the chains
    are not meant to verify."""
    users = filler.base("users")
    filler.clone(
        "health_access_log",
        "generate_series(1, %(n)s) AS g CROSS JOIN generate_series(1, %(per)s) AS k "
        "CROSS JOIN (SELECT * FROM health_access_log WHERE citizen_id = %(citizen)s "
        "ORDER BY id LIMIT 1) AS t",
        {
            "id": None,
            "citizen_id": f"{users} + g",
            "seq": "k",
            "at": f"t.at - {AGE} + k * interval '1 hour'",
            "prev_hash": _hex_sha256("prev"),
            "hash": _hex_sha256("entry"),
        },
        n=citizens,
        per=per,
        citizen=citizen,
    )
    filler.clone(
        "health_access_log_heads",
        _series("SELECT * FROM health_access_log_heads WHERE citizen_id = %(citizen)s"),
        {"citizen_id": f"{users} + g", "seq": "%(per)s", "hash": _hex_sha256("head")},
        n=citizens,
        per=per,
        citizen=citizen,
    )


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _templates(app, fixture) -> tuple[int, int]:
    """An authorization code and a refresh token of the fixture's first grant, minted by
    the app (the fixture has none of either): the rows the filler's codes and tokens are
    cloned from; and a read, whose access-log entry and chain head the filler's are
    cloned from."""
    from sqlalchemy import func, select

    from authz.models import AuthorizationCode, Token
    from ens_core.db import db

    load_fixture.authorization_codes(app, fixture, 1)
    load_fixture.refresh_tokens(app, fixture, 1)
    citizen = fixture.citizen_ids[0]
    token = load_fixture.access_tokens(app, fixture)[citizen]
    read = app.test_client().get(  # its access-log entry and chain head: the log's templates
        f"/fhir/Observation/{fixture.observation_ids[citizen][0]}",
        headers={"Authorization": f"Bearer {token}"},
    )
    if read.status_code != 200:
        raise RuntimeError(f"template read: {read.status_code} {read.text[:300]}")
    grant = fixture.grant_ids[0]
    with app.app_context():
        code = db.session.scalar(
            select(func.max(AuthorizationCode.id)).where(AuthorizationCode.grant_id == grant)
        )
        token = db.session.scalar(
            select(func.max(Token.id)).where(
                Token.grant_id == grant, Token.refresh_token_hash.is_not(None)
            )
        )
    return code, token


def counts(url: str) -> dict[str, int]:
    import psycopg

    tables = {"grants": "oauth_grants", "observations": "health_measurements"}
    tables |= {"users": "users", "tokens": "oauth_tokens", "access_log": "health_access_log"}
    with psycopg.connect(_libpq(url)) as conn:
        return {
            key: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for key, table in tables.items()
        }


# Every reference the filler writes: (table, column, referenced table).
REFERENCES = [
    ("user_roles", "user_id", "users"),
    ("oauth_grants", "citizen_id", "users"),
    ("oauth_grants", "client_id", "oauth_clients"),
    ("oauth_consent_receipts", "grant_id", "oauth_grants"),
    ("audit_events", "actor_id", "users"),
    ("notifications", "user_id", "users"),
    ("oauth_codes", "grant_id", "oauth_grants"),
    ("oauth_tokens", "grant_id", "oauth_grants"),
    ("oauth_tokens", "code_id", "oauth_codes"),
    ("oauth_tokens", "parent_id", "oauth_tokens"),
    ("health_measurements", "citizen_id", "users"),
    ("health_access_log", "citizen_id", "users"),
    ("health_access_log_heads", "citizen_id", "users"),
]


def check_references(conn) -> None:
    """What the foreign keys would have refused: any reference to a missing row."""
    for table, column, target in REFERENCES:
        query = (
            f"SELECT count(*) FROM {table} AS a WHERE a.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {target} AS b WHERE b.id = a.{column})"
        )
        missing = conn.execute(query).fetchone()[0]
        if missing:
            raise RuntimeError(f"filler: {missing} {table}.{column} point at no {target}")


def fill(app, url: str, fixture, grants: int, observations: int) -> dict:
    """Bring the database to ``grants`` grants and ``observations`` Observations with
    filler citizens, then VACUUM ANALYZE; returns what it took."""
    import psycopg

    code, token = _templates(app, fixture)
    have = counts(url)
    citizens = grants - have["grants"]
    if citizens <= 0:
        log(f"  already {have['grants']:,} grants: nothing to load")
        return {"seconds": 0.0, "rows": 0}
    citizen, grant = fixture.citizen_ids[0], fixture.grant_ids[0]
    started = time.monotonic()
    log(f"  loading {citizens:,} citizens with their grant, then Observations")
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        # Foreign-key triggers off while loading (the ids are built to match; checked below).
        conn.execute("SET session_replication_role = replica")
        filler = Filler(conn)
        fill_accounts(filler, citizens, citizen)
        fill_consents(filler, citizens, citizen, grant)
        fill_tokens(filler, citizens, code, token)
        if observations > have["observations"]:
            fill_observations(filler, citizens, observations - have["observations"], citizen)
        fill_access_log(filler, citizens, LOG_ENTRIES_PER_CITIZEN, citizen)
        conn.execute("SET session_replication_role = DEFAULT")
        check_references(conn)
        inserted = time.monotonic()
        conn.execute("VACUUM (ANALYZE)")
        # Write the load's dirty pages out now: left to the background checkpoint and the
        # kernel, gigabytes of them were still being written during the first runs.
        conn.execute("CHECKPOINT")
        vacuum = time.monotonic() - inserted
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    load = {
        "seconds": round(time.monotonic() - started, 1),
        "insert_seconds": round(inserted - started, 1),
        "vacuum_analyze_seconds": round(vacuum, 1),
        "rows": sum(t[1] for t in filler.timings),
        "tables": [{"table": t, "rows": r, "seconds": round(s, 1)} for t, r, s in filler.timings],
        "database_mb": round(size / 2**20),
    }
    log(
        f"  loaded {load['rows']:,} rows in {load['insert_seconds']:.0f} s, VACUUM ANALYZE "
        f"+ CHECKPOINT {vacuum:.0f} s; database {load['database_mb']:,} MB"
    )
    return load


# --- EXPLAIN ANALYZE of the statements one request runs --------------------------------------

WRITES_AND_READS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@contextlib.contextmanager
def _recording_prepared(statements: list):
    """Record the prepared statements too (ens_core.prepared: the express lane's run on
    the DB-API connection, which SQLAlchemy's events do not see), with their arguments as
    the driver gets them."""
    from ens_core.prepared import Prepared

    original = Prepared._run

    def run(self, params):
        cursor, compiled, dialect = original(self, params)
        values = {
            name: compiled.processors[name](value) if name in compiled.processors else value
            for name, value in params.items()
        }
        statements.append((compiled.sql, compiled.arguments(values)))
        return cursor, compiled, dialect

    Prepared._run = run
    try:
        yield
    finally:
        Prepared._run = original


def _request_statements(app, bench, key: str) -> list[tuple[str, object]]:
    """The SQL one ``key`` request runs, in-process (the Flask test client, a fresh
    credential from bench/api_load.py's request lines)."""
    from sqlalchemy import event

    from ens_core.db import db

    method, path, body, *headers = bench.requests.lines(key, 1)[0].split("\t")
    with app.app_context():
        engine = db.engine
    statements = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith(WRITES_AND_READS):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with _recording_prepared(statements):
            response = app.test_client().open(
                path,
                method=method,
                data=body.encode() or None,
                headers=dict(h.split(": ", 1) for h in headers),
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"explain {key}: {response.status_code} {response.text[:300]}")
    return statements


def explain(app, bench, keys: list[str], out: Path) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement of one request of each scenario, in a
    transaction rolled back; full plans to ``out``, one summary line each returned."""
    from ens_core.db import db

    summary, plans = [], []
    for key in keys:
        for number, (statement, parameters) in enumerate(_request_statements(app, bench, key)):
            with app.app_context():
                raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            except Exception as error:  # e.g. re-inserting a row committed since
                plan = [f"not re-run: {type(error).__name__}: {str(error).splitlines()[0]}"]
            finally:
                raw.rollback()
                raw.close()
            scans = [
                p.strip(" ->") for p in plan if " Scan " in p or p.lstrip(" ->").startswith("Seq")
            ]
            timing = next((p for p in plan if p.startswith("Execution Time")), plan[-1])
            first = " ".join(statement.split())[:70]
            summary.append(
                f"{key} #{number}: {timing} | {first} | "
                + "; ".join(s.split("  (")[0] for s in scans)
            )
            plans.append(f"-- {key} #{number}\n{statement}\n{parameters}\n" + "\n".join(plan))
    out.write_text("\n\n".join(plans) + "\n")
    return summary


# --- the runs -----------------------------------------------------------------------------------


def served(server: Gunicorn) -> int:
    """Requests served so far: the lines of gunicorn's access log."""
    path = server.error_log.with_name(f"{server.name}-access.log")
    with path.open() as handle:
        return sum(1 for _ in handle)


def serve_until(bench: ScaleBench, server: Gunicorn, target: int, concurrency: int) -> int:
    """More FHIR reads until the workers have served ``target`` requests in all."""
    done = served(server)
    rate = 300.0
    while done < target:
        seconds = min(120, max(5, round((target - done) / rate * 1.1) + 1))
        log(f"  {done:,} requests served: {seconds} s more of reads before reading memory")
        result, _cpu, _load = bench.run_window(api_load.BY_KEY["read"], concurrency, seconds)
        rate = max(50.0, result["requests"] / (result["duration_us"] / 1e6))
        done = served(server)
    return done


def memory(server: Gunicorn) -> list[float]:
    return [round(rss_mb(pid), 1) for pid in server.pids() if pid != server.process.pid]


def clone_database(args, database: api_load.DatabaseProcesses, app, url: str):
    """A copy of the small database (``CREATE DATABASE … TEMPLATE``): the same fixture, the
    same ids, secrets and keys; the filler then brings it to the large scale. Returns its
    URL, its server processes and how to drop it."""
    import psycopg
    from sqlalchemy.engine import make_url

    from ens_core import prepared
    from ens_core.db import db

    with app.app_context():
        db.engine.dispose()
    prepared._drop_thread_connection()  # the copy needs its source unused
    name = f"{database.database}_large"
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database.database,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database.database}"')

    def drop():
        with psycopg.connect(database.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    large = make_url(url).set(database=name).render_as_string(hide_password=False)
    return large, api_load.DatabaseProcesses(database.admin_url, name), drop


def alternate(args, benches: dict[str, ScaleBench]) -> list[dict]:
    """Each scenario ``--rounds`` times on each database, small and large in turn (ABBA:
    small first in odd rounds, large first in even ones), so that what the shared machine
    does meanwhile falls on both scales alike."""
    scenarios = [api_load.BY_KEY[k] for k in args.scenarios.split(",")]
    for bench in benches.values():
        api_load.warm_up(bench, scenarios, args.bench.workers)
    runs = []
    for scenario in scenarios:
        for round_no in range(1, args.rounds + 1):
            order = ("small", "large") if round_no % 2 else ("large", "small")
            for scale in order:
                run = benches[scale].run(scenario, args.concurrency, round_no)
                runs.append(
                    {"scale": scale, **asdict(run), "ok_per_s": run.ok_per_s, "p95_ms": run.p95_ms}
                )
                log(
                    f"  {scenario.key:<8} round {round_no} {scale:<5} {run.ok_per_s:6.0f} ok/s  "
                    f"p50 {run.p50_ms:6.1f}  p95 {run.p95_ms:6.1f}  p99 {run.p99_ms:6.1f} ms  "
                    f"non-2xx {run.non2xx} (5xx {run.s5xx})  foreign {run.foreign_cores:.2f}"
                    + (f"  e.g. {run.sample[:120]!r}" if run.sample else "")
                )
                time.sleep(2)  # the workers finish what wrk left in their backlog
    return runs


def run_scales(args, benches: dict[str, ScaleBench], apps: dict, workdir: Path) -> dict:
    results: dict = {"runs": alternate(args, benches), "explain": {}}
    if args.explain:
        keys = args.scenarios.split(",")
        for scale, bench in benches.items():
            lines = explain(apps[scale], bench, keys, workdir / f"explain-{scale}.txt")
            results["explain"][scale] = lines
            log(f"  plans: {workdir / f'explain-{scale}.txt'}")
    large = benches["large"]
    results["served"] = serve_until(
        large, large.servers["ens"], args.memory_after, args.concurrency
    )
    results["worker_rss_mb"] = memory(large.servers["ens"])
    return results


# --- the table ----------------------------------------------------------------------------------


def _by_scale(runs: list[dict], key: str, scale: str) -> list[dict]:
    return sorted((r for r in runs if r["scenario"] == key and r["scale"] == scale), key=_round)


def _round(run: dict) -> int:
    return run["round"]


def p95_ratios(runs: list[dict]) -> dict[str, dict]:
    """Per scenario: the median p95 of each scale, their ratio (the verdict), and the ratio
    of each round's pair (large ÷ small, measured one after the other)."""
    out = {}
    for key in dict.fromkeys(r["scenario"] for r in runs):
        small, large = _by_scale(runs, key, "small"), _by_scale(runs, key, "large")
        if not small or not large:
            continue
        p95_small = statistics.median(r["p95_ms"] for r in small)
        p95_large = statistics.median(r["p95_ms"] for r in large)
        out[key] = {
            "p95_small_ms": p95_small,
            "p95_large_ms": p95_large,
            "ratio": p95_large / p95_small,
            "paired": [b["p95_ms"] / a["p95_ms"] for a, b in zip(small, large, strict=False)],
        }
    return out


def _p95s(runs: list[dict]) -> str:
    return " · ".join(f"{r['p95_ms']:.1f}" for r in runs)


def summary_table(results: dict) -> str:
    runs, ratios = results["runs"], results["ratios"]
    rows = [
        "| scenario | p95 ms small, by round | p95 ms large, by round | median small → large "
        "| each round, large ÷ small | p95 ratio (≤ 1.25) | req/s ok small · large | non-2xx |",
        "|---|---|---|---:|---|---:|---:|---:|",
    ]
    for key, ratio in ratios.items():
        small, large = _by_scale(runs, key, "small"), _by_scale(runs, key, "large")
        failed = sum(r["non2xx"] + r["socket_errors"] + r["timeouts"] for r in small + large)
        requests = sum(r["requests"] for r in small + large)
        verdict = "✓" if ratio["ratio"] <= GOAL_P95_RATIO else "✗"
        rows.append(
            f"| {api_load.BY_KEY[key].label} "
            f"| {_p95s(small)} | {_p95s(large)} "
            f"| {ratio['p95_small_ms']:.1f} → {ratio['p95_large_ms']:.1f} "
            f"| {' · '.join(f'{p:.2f}' for p in ratio['paired'])} "
            f"| **{ratio['ratio']:.2f}** {verdict} "
            f"| {statistics.median(r['ok_per_s'] for r in small):,.0f} · "
            f"{statistics.median(r['ok_per_s'] for r in large):,.0f} "
            f"| {failed:,} of {requests:,} |"
        )
    return "\n".join(rows)


def runs_table(results: dict) -> str:
    rows = [
        "| scenario | round | scale | grants | Observations | req/s ok | p50 ms | p95 ms "
        "| p99 ms | non-2xx of requests | CPU ms/req app · db | foreign cores |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    order = list(api_load.BY_KEY)
    for run in sorted(results["runs"], key=lambda r: (order.index(r["scenario"]), r["round"])):
        size = results["scales"][run["scale"]]
        failed = run["non2xx"] + run["socket_errors"] + run["timeouts"]
        per = max(1, run["requests"])
        rows.append(
            f"| {run['scenario']} | {run['round']} | {run['scale']} "
            f"| {size['grants']:,} | {size['observations']:,} | {run['ok_per_s']:,.0f} "
            f"| {run['p50_ms']:.1f} | {run['p95_ms']:.1f} | {run['p99_ms']:.1f} "
            f"| {failed:,} of {run['requests']:,} "
            f"| {1000 * run['cpu_app_s'] / per:.2f} · {1000 * run['cpu_db_s'] / per:.2f} "
            f"| {run['foreign_cores']:.2f} |"
        )
    return "\n".join(rows)


def print_report(args, results: dict) -> None:
    print(
        f"\n#### PostgreSQL, gunicorn --workers {args.bench.workers}, wrk -t{args.bench.wrk_threads} "
        f"-c{args.concurrency}, {args.duration} s per run, {args.rounds} rounds on each "
        "database, small and large in turn\n"
    )
    print(summary_table(results))
    print("\nEvery run:\n")
    print(runs_table(results))
    for scale, load in results["load"].items():
        if not load.get("rows"):
            continue
        print(
            f"\n{scale} scale, filler: {load['rows']:,} rows in {load['insert_seconds']:.0f} s, "
            f"VACUUM ANALYZE + CHECKPOINT {load['vacuum_analyze_seconds']:.0f} s; "
            f"database {load['database_mb']:,} MB"
        )
        print(
            "  "
            + ", ".join(
                f"{t['table']} {t['rows']:,} ({t['seconds']:.0f} s)" for t in load["tables"]
            )
        )
    sizes = results["worker_rss_mb"]
    verdict = "met" if sizes and max(sizes) <= GOAL_RSS_MB else "NOT met"
    print(
        f"\ngunicorn workers' resident memory after {results['served']:,} requests in all: "
        + ", ".join(f"{s:.0f} MB" for s in sizes)
        + f" (goal ≤ {GOAL_RSS_MB} MB: {verdict})"
    )
    for scale, lines in results["explain"].items():
        print(f"\nEXPLAIN ANALYZE, {scale} scale:")
        print("\n".join(f"  {line}" for line in lines))
    loads = [r["loadavg"] for r in results["runs"]] or [0]
    print(f"\nload average at run start: {min(loads):.2f}–{max(loads):.2f}", flush=True)


# --- setup ----------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Any other option goes to bench/api_load.py's parser (see its --help).",
        allow_abbrev=False,
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL server")
    parser.add_argument(
        "--citizens", type=int, default=64, help="citizens made through the app's services"
    )
    parser.add_argument("--small-grants", type=int, default=1000, help="small scale: grants")
    parser.add_argument(
        "--small-observations", type=int, default=5000, help="small scale: Observations"
    )
    parser.add_argument("--grants", type=int, default=1_000_000, help="large scale: grants")
    parser.add_argument(
        "--observations", type=int, default=5_000_000, help="large scale: Observations"
    )
    parser.add_argument("--scenarios", default="read,search,refresh")
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each scenario on each database"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="wrk -c")
    parser.add_argument(
        "--memory-after",
        type=int,
        default=100_000,
        help="requests served in all before the workers' memory is read (reads are added)",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the hot path")
    parser.add_argument("--keep", action="store_true", help="keep the database and work dir")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args, rest = parser.parse_known_args(argv)
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    keys = set(args.scenarios.split(","))
    unknown = keys - set(api_load.BY_KEY) | keys & {"hello"}
    if unknown:
        parser.error(f"--scenarios: not ENS scenarios of bench/api_load.py: {sorted(unknown)}")
    mine = ["--database-url", args.database_url, "--duration", str(args.duration)]
    mine += ["--concurrency", str(args.concurrency), "--scenarios", args.scenarios]
    args.bench = api_load.parse_args([*BENCH_DEFAULTS, *rest, *mine, "--rounds", "1"])
    return args


def start_app(url: str, datadir: Path):
    """Configure this process for the database at ``url``, migrate, and return the app
    with the environment its servers get."""
    from flask_migrate import upgrade

    env = {
        "ENS_DATABASE_URL": url,
        "ENS_SECRET_KEY": api_load.SECRET,
        "ENS_ISSUER": api_load.ISSUER,
        "ENS_DATA_DIR": str(datadir / "data"),
    }
    os.environ.update(env)
    from ens_core import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    return app, dict(os.environ)


def start_server(args, env: dict, logdir: Path) -> Gunicorn:
    server = Gunicorn(
        "ens",
        "bench.ens_app:app",
        api_load.free_port(),
        workers=args.bench.workers,
        threads=args.bench.threads,
        env=env,
        logdir=logdir,
        access_log=True,  # its lines count the requests served
    )
    server.wait_ready("/bench/bare", timeout=300)  # a busy machine boots it slowly
    return server


def build_databases(args, workdir: Path, url: str, database, cleanup: list) -> tuple:
    """The small database (fixture, then filler up to the small sizes), and the large one
    cloned from it and filled up to the large sizes. Returns each scale's app, server
    environment and server processes, and what loading took."""
    apps, envs, processes, load = {}, {}, {"small": database}, {}
    (workdir / "small").mkdir()
    apps["small"], envs["small"] = start_app(url, workdir / "small")
    log(f"database: {url.split('@')[-1]}")
    started = time.monotonic()
    fixture = load_fixture.build(
        apps["small"], citizens=args.citizens, observations=5 * args.citizens, log=log
    )
    log(f"  fixture ready in {time.monotonic() - started:.0f} s")
    sizes = {
        "small": (args.small_grants, args.small_observations),
        "large": (args.grants, args.observations),
    }
    load["small"] = fill(apps["small"], url, fixture, *sizes["small"])
    large_url, processes["large"], drop_large = clone_database(args, database, apps["small"], url)
    cleanup.append(drop_large)
    (workdir / "large").mkdir()
    apps["large"], envs["large"] = start_app(large_url, workdir / "large")
    log(f"large database: {large_url.split('@')[-1]}")
    load["large"] = fill(apps["large"], large_url, fixture, *sizes["large"])
    urls = {"small": url, "large": large_url}
    scales = {scale: counts(urls[scale]) for scale in urls}
    log(f"scales: {scales}")
    return fixture, apps, envs, processes, {"load": load, "scales": scales}


def main(argv=None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.bench.nice:
        api_load.raise_priority(args.bench.nice)
    workdir = Path(tempfile.mkdtemp(prefix="ens-api-scale-"))
    url, database, drop = api_load.prepare_database(args.bench, workdir)
    cleanup, servers = [drop], []
    try:
        started = time.monotonic()
        fixture, apps, envs, processes, built = build_databases(
            args, workdir, url, database, cleanup
        )
        benches = {}
        for scale in ("small", "large"):
            server = start_server(args, envs[scale], workdir / scale)
            servers.append(server)
            requests = api_load.Requests(apps[scale], fixture, workdir / scale)
            meter = CpuMeter([server], processes[scale])
            benches[scale] = ScaleBench(args.bench, {"ens": server}, meter, requests)
        results = {**built, **run_scales(args, benches, apps, workdir)}
        results["ratios"] = p95_ratios(results["runs"])
        results["seconds"] = round(time.monotonic() - started)
        print_report(args, results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
    finally:
        for server in servers:
            server.stop()
        keep_or_drop(args.keep, workdir, url, cleanup)


def keep_or_drop(keep: bool, workdir: Path, url: str, drops: list) -> None:
    if keep:
        log(f"kept {workdir} and the databases {url.split('/')[-1]} and …_large")
        return
    for drop in drops:
        drop()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
