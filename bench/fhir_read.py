"""Benchmark: a protected FHIR search against a bare Flask endpoint, through gunicorn.

Builds a throwaway PostgreSQL database with ``--citizens`` citizens and ``--observations``
Observations (bulk COPY), gives ``--sample`` of them a grant and an access token for one
service, starts gunicorn on it, then measures, in the same run and with the same load
generator, ``GET /fhir/Observation?patient=…&code=…&_count=50`` (token validation, live
grant/client/service checks, visibility rules, the search, the Bundle, and the access-log
entry written and committed with its hash chain) next to a bare ``GET /bench/bare``.

    .venv/bin/python bench/fhir_read.py --citizens 100000 --observations 5000000
    .venv/bin/python bench/fhir_read.py --citizens 2000 --observations 100000   # quick

The search is served by the index (citizen_id, code, effective_at): its cost depends on
the citizen's own rows, not on the table size — compare runs at different sizes.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import bench_service, confidential_client, migrated_app  # noqa: E402

CODES = [
    ("29463-7", "weight", "kg", 50, 110),
    ("85354-9", "blood_pressure", "mm[Hg]", 100, 160),
    ("8867-4", "heart_rate", "/min", 50, 100),
    ("55423-8", "steps", "{steps}/d", 1000, 15000),
    ("2339-0", "glucose", "mg/dL", 70, 140),
]
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - throwaway bench database
ISSUER = "http://127.0.0.1:5000"


def bench_app():
    """The application served by gunicorn, plus a bare endpoint for comparison."""
    from flask import jsonify

    from ens_core import create_app

    app = create_app()

    @app.get("/bench/bare")
    def bare():
        return jsonify(ok=True)

    return app


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def create_database(base_url: str, name: str) -> str:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(_admin_url(plain), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(_admin_url(plain), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def populate(url: str, citizens: int, observations: int, sample: int, seed: int) -> list[tuple]:
    """Migrate, bulk-load, and return [(citizen_id, patient_id, token)] for the sample."""
    import psycopg

    os.environ["ENS_DATABASE_URL"] = url
    app = migrated_app()
    rng = random.Random(seed)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    started = time.perf_counter()
    with psycopg.connect(plain) as conn:
        first_id = _copy_citizens(conn, citizens, now)
        _copy_observations(conn, first_id, citizens, observations, rng, now)
        conn.commit()
        conn.execute("ANALYZE users")
        conn.execute("ANALYZE health_measurements")
        conn.commit()
    print(
        f"loaded {citizens} citizens and {observations} observations in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with app.app_context():
        return _sample_tokens(first_id, citizens, sample, rng)


def _copy_citizens(conn, citizens: int, now) -> int:
    """COPY ``citizens`` users; returns the first one's id."""
    with conn.cursor().copy(
        "COPY users (email, name, birth_date, password_hash, is_active_account, "
        "is_synthetic, created_at, session_version) FROM STDIN"
    ) as copy:
        for i in range(citizens):
            copy.write_row(
                (f"bench{i}@bench.ens", f"Citoyen {i}", "1980-01-01", "x", True, False, now, 1)
            )
    return conn.execute("SELECT min(id) FROM users").fetchone()[0]


def _copy_observations(conn, first_id: int, citizens: int, observations: int, rng, now) -> None:
    """COPY ``observations`` measurements, as many per citizen (the last takes the rest)."""
    per = max(1, observations // citizens)
    with conn.cursor().copy(
        "COPY health_measurements (public_id, citizen_id, kind, code, effective_at, value, "
        "value2, unit, status, created_at, updated_at, version) FROM STDIN"
    ) as copy:
        written = 0
        for c in range(citizens):
            n = per if c < citizens - 1 else observations - written
            for j in range(n):
                code, kind, unit, lo, hi = CODES[j % len(CODES)]
                at = now - timedelta(hours=j * 7 + rng.random())
                value = round(rng.uniform(lo, hi), 1)
                value2 = round(value * 0.62, 1) if kind == "blood_pressure" else None
                copy.write_row(
                    (
                        uuid.uuid4().hex,
                        first_id + c,
                        kind,
                        code,
                        at,
                        value,
                        value2,
                        unit,
                        "final",
                        now,
                        now,
                        1,
                    )
                )
            written += n


def _sample_tokens(first_id: int, citizens: int, sample: int, rng) -> list[tuple]:
    """A referenced service and its client; ``sample`` citizens consent to it and get an
    access token: [(citizen_id, patient_id, token)], committed."""
    from authz.consent import record_consent
    from authz.tokens import issue_access_token, pairwise_id
    from ens_core.accounts.models import Role, User
    from ens_core.db import db
    from tests.factories import make_user

    service = bench_service(make_user(Role.EDITOR), "Bench SAS", "Bench", "bench")
    scopes = ["launch/patient", "patient/Observation.rs"]
    client, _ = confidential_client(
        service, name="Bench", scopes=" ".join(scopes), redirect_uri="http://127.0.0.1/cb"
    )
    picked = []
    for offset in rng.sample(range(citizens), min(sample, citizens)):
        citizen = db.session.get(User, first_id + offset)
        grant, _ = record_consent(citizen, service, client, scopes)
        token = issue_access_token(grant, client, scopes)
        picked.append((citizen.id, pairwise_id(citizen.id, service.id), token))
    db.session.commit()
    return picked


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int):
    env = dict(os.environ, ENS_DATABASE_URL=url, ENS_SECRET_KEY=SECRET, ENS_ISSUER=ISSUER)
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.fhir_read:bench_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    import requests

    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/bench/bare", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    stop(process)
    raise SystemExit("gunicorn did not start")


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def measure(urls_and_headers, concurrency: int, requests_total: int) -> dict:
    import requests

    latencies, errors, lock = [], [0], threading.Lock()
    counter = iter(range(requests_total))

    def worker():
        session = requests.Session()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            url, headers, expected = urls_and_headers[i % len(urls_and_headers)]
            t0 = time.perf_counter()
            response = session.get(url, headers=headers, timeout=30)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200 or (expected and expected not in response.text):
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": errors[0],
        "n": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=5_000_000)
    parser.add_argument("--sample", type=int, default=50, help="citizens with a token")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    os.environ.update(ENS_SECRET_KEY=SECRET, ENS_ISSUER=ISSUER, ENS_ENV="development")
    name = f"ens_bench_{os.getpid()}"
    url = create_database(args.pg, name)
    process = None
    try:
        sample = populate(url, args.citizens, args.observations, args.sample, seed=7)
        port = free_port()
        process = start_gunicorn(url, port, args.workers, args.threads)
        base = f"http://127.0.0.1:{port}"
        fhir = [
            (
                f"{base}/fhir/Observation?patient={pid}&code=http://loinc.org|29463-7&_count=50",
                {"Authorization": f"Bearer {token}"},
                '"searchset"',
            )
            for _cid, pid, token in sample
        ]
        bare = [(f"{base}/bench/bare", {}, None)]
        measure(fhir[:5], 2, 20)  # warm-up
        measure(bare, 2, 20)
        results = {
            "bare Flask endpoint": measure(bare, args.concurrency, args.requests),
            "protected FHIR search": measure(fhir, args.concurrency, args.requests),
        }
        print(
            f"\n{args.citizens} citizens, {args.observations} observations, "
            f"gunicorn {args.workers}x{args.threads}, {args.concurrency} concurrent clients, "
            f"{os.cpu_count()} CPUs"
        )
        print(f"{'endpoint':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        for label, r in results.items():
            print(f"{label:<24}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['errors']:>8}")
    finally:
        if process is not None:
            stop(process)
        if not args.keep:
            drop_database(args.pg, name)


if __name__ == "__main__":
    main()
