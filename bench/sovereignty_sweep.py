"""Benchmark of the sovereignty sweep on PostgreSQL (prints figures; not a test).

    .venv/bin/python bench/sovereignty_sweep.py [--services 10000] [--grants 1000000]
        [--big-grants 100000] [--bad-percent 1] [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a throwaway database (dropped at the end), migrates it, bulk-inserts
organisations, services (referenced, hosted in France with a valid HDS certificate;
``--bad-percent`` of them hosted in the US), one production client per service, citizens
and grants (one service holds ``--big-grants`` of them), then measures:

1. the first sweep (suspends the non-compliant services and notifies their citizens);
2. a second sweep (idempotent: nothing to do) — the steady-state figure;
3. suspending the service with the most grants (hosting moved outside the EEA, evaluated
   and committed), and checks that its tokens are refused right after the commit
   (``catalogue.services.is_operational`` is what the token and resource checks call).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.db_setup import postgres_database


def _seed(conn, services: int, grants: int, big: int, bad_percent: float) -> None:
    orgs = max(1, services // 10)
    _seed_services(conn, services, orgs)
    _seed_declarations_and_clients(conn, services, orgs, bad_percent)
    _seed_grants(conn, services, grants, big)
    for table in ("organisations", "services", "oauth_clients", "users"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 (fixed table names)
            ),
            {"t": table},
        )
    conn.execute(text("ANALYZE"))


def _seed_services(conn, services: int, orgs: int) -> None:
    """``orgs`` organisations and ``services`` referenced services spread over them."""
    conn.execute(
        text(
            """
            INSERT INTO organisations (id, legal_name, country, created_at)
            SELECT g, 'Org ' || g, 'FR', now() FROM generate_series(1, :n) g
            """
        ),
        {"n": orgs},
    )
    conn.execute(
        text(
            """
            INSERT INTO services (id, organisation_id, name, slug, short_description,
                long_description, categories, platforms, audiences, scores, ecoscore_details,
                status, created_at, referenced_at, valid_until)
            SELECT g, 1 + (g % :orgs), 'Service ' || g, 'service-' || g, '', '',
                '[]', '[]', '[]', '{}', '{}', 'REFERENCED', now(), now(),
                current_date + 1000
            FROM generate_series(1, :n) g
            """
        ),
        {"n": services, "orgs": orgs},
    )


def _seed_declarations_and_clients(conn, services: int, orgs: int, bad_percent: float) -> None:
    """Each service hosted in France with an HDS certificate (one in ``100 / bad_percent``
    in the US instead) and given a production client; each organisation a declared owner."""
    bad_every = int(100 / bad_percent) if bad_percent > 0 else 0
    conn.execute(
        text(
            """
            INSERT INTO hosting_declarations (service_id, provider, country,
                hds_certificate_number, hds_certificate_expiry, effective_from, declared_at)
            SELECT g, 'Hébergeur', CASE WHEN :bad > 0 AND g > 1 AND g % :bad = 0
                THEN 'US' ELSE 'FR' END, 'HDS-' || g, current_date + 700, date '2020-01-01', now()
            FROM generate_series(1, :n) g
            """
        ),
        {"n": services, "bad": bad_every},
    )
    conn.execute(
        text(
            """
            INSERT INTO owner_declarations (organisation_id, entity_name, country, share_percent,
                declared_control, effective_from, declared_at)
            SELECT g, 'Holding ' || g, CASE WHEN g % 2 = 0 THEN 'DE' ELSE 'FR' END, 60, false,
                date '2020-01-01', now()
            FROM generate_series(1, :n) g
            """
        ),
        {"n": orgs},
    )
    conn.execute(
        text(
            """
            INSERT INTO oauth_clients (id, client_id, service_id, kind, name,
                token_endpoint_auth_method, redirect_uris, scope_ceiling, is_enabled, created_at)
            SELECT g, 'client-' || g, g, 'PRODUCTION', 'Client ' || g, 'NONE', '[]',
                'patient/Observation.rs', true, now()
            FROM generate_series(1, :n) g
            """
        ),
        {"n": services},
    )


def _seed_grants(conn, services: int, grants: int, big: int) -> None:
    """Citizens, and ``grants`` grants: ``big`` of them to service 1, the rest spread over
    the other services."""
    citizens = max(big, 1000)
    others = services - 1
    per_service = (grants - big) // others if others else 0
    conn.execute(
        text(
            """
            INSERT INTO users (id, email, name, password_hash, is_active_account, is_synthetic,
                created_at, session_version)
            SELECT g, 'c' || g || '@bench.ens', 'Citizen ' || g, 'x', true, false, now(), 1
            FROM generate_series(1, :n) g
            """
        ),
        {"n": citizens},
    )
    # The big service (id 1) holds ``big`` grants; the others share the rest.
    conn.execute(
        text(
            """
            INSERT INTO oauth_grants (citizen_id, service_id, client_id, scopes, consented_by_id,
                created_at, updated_at)
            SELECT g, 1, 1, 'patient/Observation.rs', g, now(), now()
            FROM generate_series(1, :big) g
            """
        ),
        {"big": big},
    )
    if per_service:
        conn.execute(
            text(
                """
                INSERT INTO oauth_grants (citizen_id, service_id, client_id, scopes,
                    consented_by_id, created_at, updated_at)
                SELECT 1 + ((s * 7919 + k) % :citizens), s, s, 'patient/Observation.rs',
                    1 + ((s * 7919 + k) % :citizens), now(), now()
                FROM generate_series(2, :n) s CROSS JOIN generate_series(0, :per - 1) k
                """
            ),
            {"n": services, "per": per_service, "citizens": citizens},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--grants", type=int, default=1_000_000)
    parser.add_argument("--big-grants", type=int, default=100_000)
    parser.add_argument("--bad-percent", type=float, default=1.0)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    with postgres_database(make_url(args.url), f"ens_bench_{secrets.token_hex(4)}") as url:
        run(url, args)


def run(url: str, args) -> None:
    import click
    from flask_migrate import upgrade

    from catalogue.models import HostingDeclaration, Service, ServiceStatus
    from catalogue.services import is_operational
    from ens_core import create_app
    from ens_core.db import db, utcnow
    from review.sovereignty import services as sovereignty
    from review.sovereignty.sweep import run_sweep

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        with db.engine.begin() as conn:
            _seed(conn, args.services, args.grants, args.big_grants, args.bad_percent)
        click.echo(
            f"seeded {args.services} services, {args.grants} grants "
            f"({args.big_grants} on one service) in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        report = run_sweep(now=utcnow())
        db.session.commit()
        first = time.perf_counter() - started
        click.echo(f"first sweep:  {first:.2f} s  {dict(report.counts)}")

        started = time.perf_counter()
        report = run_sweep(now=utcnow())
        db.session.commit()
        second = time.perf_counter() - started
        click.echo(f"second sweep: {second:.2f} s  {dict(report.counts)} (idempotent)")
        db.session.remove()

        big = db.session.get(Service, 1)
        assert is_operational(big)
        started = time.perf_counter()
        db.session.query(HostingDeclaration).filter_by(service_id=1).update({"country": "US"})
        action = sovereignty.evaluate_and_apply(big, None, utcnow())
        db.session.commit()
        suspend = time.perf_counter() - started
        db.session.remove()
        fresh = db.session.get(Service, 1)  # a new session, as the next request would see
        refused = not is_operational(fresh) and fresh.status is ServiceStatus.SUSPENDED
        click.echo(
            f"suspend one service with {args.big_grants} grants (evaluate, suspend, notify "
            f"every citizen, commit): {suspend:.2f} s; action={action.action}; "
            f"tokens refused right after commit: {refused}"
        )
        if not refused:
            raise SystemExit("the suspended service is still operational")


if __name__ == "__main__":
    main()
