"""Benchmark: keyword + two-filter search through the HTTP API over 10,000 services.

Builds a throw-away database on SQLite and on PostgreSQL (migrated like production),
loads 10,000 referenced and suspended services with their data uses, then times
``GET /api/catalogue/services?q=<keyword>&ecoscore=A&ecoscore=B&platform=<platform>``
through the Flask test client (the whole request: routing, validation, search, count,
serialisation). Prints p50/p95/max per backend; the aim is p95 <= 25 ms. The wall-clock
figures include waiting for a CPU when the machine is busy: the process CPU time per
request is printed beside them, with the load average, to tell the two apart.

    .venv/bin/python bench/catalogue_search.py [--services 10000] [--requests 400]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/ens_bench] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from catalogue.models import Organisation, Service, ServiceDataUse
from catalogue.public.search import reindex_all
from ens_core import create_app
from ens_core.db import db
from tests import db_setup

FIRST = [
    "Tension",
    "Glyco",
    "Sommeil",
    "Nutri",
    "Respire",
    "Cardio",
    "Maman",
    "Bébé",
    "Senior",
    "Mind",
    "Ortho",
    "Rappel",
    "Journal",
    "Santé",
    "Vita",
    "Pas",
    "Allergo",
    "Dermato",
    "Vision",
    "Audio",
    "Diabète",
    "Asthme",
    "Rein",
    "Douleur",
]
SECOND = ["Suivi", "Carnet", "Plus", "Facile", "Serein", "Connect", "Coach", "Pro", "Zen", "Mieux"]
CATEGORIES = [
    "prevention",
    "chronic_disease",
    "mental_health",
    "maternity",
    "nutrition_activity",
    "medication",
    "telemedicine",
    "health_admin",
    "disability_autonomy",
]
RESOURCES = ["Observation", "Patient", "DocumentReference", "Condition", "Appointment"]
PHRASES = [
    "Suivez vos mesures au quotidien.",
    "Partagez vos résultats avec votre médecin.",
    "Des rappels pour ne rien oublier.",
    "Conseils personnalisés par des professionnels de santé.",
    "Un carnet simple pour toute la famille.",
    "Des exercices guidés, à votre rythme.",
    "Vos rendez-vous et documents au même endroit.",
    "Programme validé par des soignants.",
]
KEYWORDS = ["tension", "sante", "sommeil", "cardio", "bebe", "diabete", "coach", "respi"]
GRADES = "ABCDEFG"


def load(count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    organisations = [
        {"legal_name": f"Éditeur {n} SAS", "country": "FR", "created_at": datetime.now(UTC)}
        for n in range(200)
    ]
    db.session.execute(insert(Organisation), organisations)
    org_ids = list(db.session.scalars(text("SELECT id FROM organisations")))
    services = []
    for n in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {n}"
        services.append(
            {
                "organisation_id": rng.choice(org_ids),
                "name": name,
                "slug": f"bench-{n}",
                "short_description": f"{name} : {rng.choice(PHRASES)}",
                "long_description": " ".join(rng.sample(PHRASES, 3)),
                "categories": rng.sample(CATEGORIES, 2),
                "platforms": rng.sample(["web", "ios", "android"], rng.randint(1, 3)),
                "audiences": ["adults"] + (["minors"] if rng.random() < 0.2 else []),
                "price_model": rng.choice(["free", "freemium", "paid", "reimbursed"]),
                "scores": {"security": rng.randint(50, 100), "ethics": rng.randint(50, 100)},
                "ecoscore_grade": rng.choice(GRADES),
                "ecoscore_value": round(rng.uniform(10, 95), 1),
                "ecoscore_details": {},
                "status": "suspended" if rng.random() < 0.03 else "referenced",
                "referenced_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n % 600),
                "valid_until": date(2029, 1, 1),
                "created_at": datetime.now(UTC),
            }
        )
    db.session.execute(insert(Service), services)
    ids = list(db.session.scalars(text("SELECT id FROM services")))
    uses = [
        {"service_id": sid, "scope": f"patient/{r}.rs", "purpose": "care", "retention_days": 365}
        for sid in ids
        for r in rng.sample(RESOURCES, 2)
    ]
    db.session.execute(insert(ServiceDataUse), uses)
    reindex_all()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def measure(app, requests: int, seed: int = 11) -> dict:
    rng = random.Random(seed)
    client = app.test_client()
    urls = [
        f"/api/catalogue/services?q={rng.choice(KEYWORDS)}&ecoscore=A&ecoscore=B"
        f"&platform={rng.choice(['web', 'ios', 'android'])}"
        for _ in range(requests)
    ]
    for url in urls[:20]:  # warm-up (caches, prepared statements)
        assert client.get(url).status_code == 200
    timings, cpu, hits = [], [], 0
    for url in urls:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
        hits += len(response.get_json())
    quantiles = statistics.quantiles(timings, n=100)
    cpu_quantiles = statistics.quantiles(cpu, n=100)
    return {
        "p50": quantiles[49],
        "p95": quantiles[94],
        "max": max(timings),
        "cpu_p50": cpu_quantiles[49],
        "cpu_p95": cpu_quantiles[94],
        "mean_results": hits / len(urls),
    }


def run(url: str, label: str, count: int, requests: int) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "bench.local"}
    )
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        load(count)
        loaded = time.perf_counter() - start
        figures = measure(app, requests)
        db.session.remove()
        db.engine.dispose()
    print(
        f"{label:<11} {count} services (loaded and indexed in {loaded:.1f} s), "
        f"{requests} requests: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
        f"max {figures['max']:.1f} ms; {figures['mean_results']:.1f} results per page "
        f"(CPU of this process: p50 {figures['cpu_p50']:.1f} ms, p95 {figures['cpu_p95']:.1f} ms)"
    )


def postgres_database(base: str):
    """A throwaway database on the server of ``base``, named after its database (a context
    manager: yields the URL, drops the database at the end)."""
    url = make_url(base)
    return db_setup.postgres_database(url, f"{url.database or 'ens_bench'}_{secrets.token_hex(4)}")


def main() -> None:
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/ens_bench"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "SQLite", args.services, args.requests)
    if not args.no_postgres:
        with postgres_database(args.postgres) as url:
            run(url, "PostgreSQL", args.services, args.requests)


if __name__ == "__main__":
    main()
