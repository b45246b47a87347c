"""Replays issue 17's abuse figures against the throttle (login and client authentication).

1. 108 failed logins over 12 accounts from one address, as fast as possible, then the
   right password of one of them from that address and from another: how many were
   checked, how many answered 429.
2. An attacker who obeys every ``Retry-After`` (simulated clock): passwords checked from
   one address in its first minute and in its first hour.
3. 60 wrong client secrets at ``/oauth/token``: statuses, and the median time of a failed
   and of a successful client authentication (the successful path does no throttle work).

    .venv/bin/python bench/abuse_replay.py [--redis-url redis://127.0.0.1:6379/15]

In-process through Flask's test client, on a temporary SQLite file. With ``--redis-url``
the counters are in Redis (that database is flushed first and at the end).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_service, confidential_client, migrated_app

PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway bench account


def _app(tmp: str, redis_url: str | None):
    return migrated_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "SECRET_KEY": "bench-secret",
            "ENS_DATA_DIR": tmp,
            "ENS_REDIS_URL": redis_url,
            "WTF_CSRF_ENABLED": False,
            "ENS_ARGON2_PROFILE": "CHEAPEST",
        }
    )


def _accounts(app, n: int) -> list[str]:
    from ens_core.accounts.models import Role
    from ens_core.accounts.services import create_user
    from ens_core.db import db

    with app.app_context():
        emails = [
            create_user(
                email=f"citizen{i}@bench.ens",
                name=f"C {i}",
                password=PASSWORD,
                roles={Role.CITIZEN},
            ).email
            for i in range(n)
        ]
        db.session.commit()
    return emails


def login_storm(app, emails: list[str]) -> None:
    http = app.test_client()
    statuses = Counter(
        http.post(
            "/login", data={"email": emails[i % len(emails)], "password": "guess"}
        ).status_code
        for i in range(108)
    )
    same = http.post("/login", data={"email": emails[0], "password": PASSWORD}).status_code
    other = app.test_client().post(
        "/login",
        data={"email": emails[1], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.200"},
    )
    print("| 108 failed logins, 12 accounts, one address | answers |")
    print("|---|---|")
    print(f"| statuses | {dict(sorted(statuses.items()))} |")
    print(f"| right password right after, same address | {same} |")
    print(f"| right password, another address | {other.status_code} |")


def obedient_attacker(app) -> None:
    from ens_core import throttle
    from ens_core.accounts.services import authenticate
    from ens_core.db import utcnow

    with app.app_context():
        for horizon in (timedelta(minutes=1), timedelta(hours=1)):
            start = at = utcnow() + timedelta(days=1)  # past anything counted before
            checked = n = 0
            ip = f"198.51.100.{int(horizon.total_seconds()) % 250}"
            while at - start < horizon:
                n += 1
                wait = throttle.wait([(throttle.LOGIN_ADDRESS, ip)], now=at)
                if wait:
                    at += timedelta(seconds=wait.retry_after)
                    continue
                authenticate(f"victim{n}@bench.ens", "guess", ip=ip, now=at)
                checked += 1
            print(f"| passwords checked from one address in {horizon} | {checked} |")


def client_secrets(app) -> None:
    from ens_core.accounts.models import Role
    from ens_core.accounts.services import create_user
    from ens_core.db import db

    with app.app_context():
        editor = create_user(
            email="editor@bench.ens", name="E", password=PASSWORD, roles={Role.EDITOR}
        )
        service = bench_service(editor, "Bench SAS", "Bench", "bench")
        client, secret = confidential_client(service, name="Bench", scopes="patient/Observation.rs")
        client_id = client.client_id
        db.session.commit()

    http = app.test_client()
    data = {"grant_type": "refresh_token", "refresh_token": "not-a-token"}

    def call(password: str, ip: str) -> tuple[int, float]:
        raw = base64.b64encode(f"{client_id}:{password}".encode()).decode()
        began = time.perf_counter()
        status = http.post(
            "/oauth/token",
            data=data,
            headers={"Authorization": f"Basic {raw}"},
            environ_base={"REMOTE_ADDR": ip},
        ).status_code
        return status, (time.perf_counter() - began) * 1000

    wrong = [call("wrong", "203.0.113.50") for _ in range(60)]
    print(f"| 60 wrong client secrets | {dict(sorted(Counter(s for s, _ in wrong).items()))} |")
    failed_ms = statistics.median(ms for _, ms in wrong[:10])  # counted, not yet slowed
    right_ms = statistics.median(call(secret, "203.0.113.51")[1] for _ in range(60))
    print(f"| median ms, failed client authentication (counted) | {failed_ms:.2f} |")
    print(f"| median ms, right secret (no throttle work), bad grant | {right_ms:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    tmp = tempfile.mkdtemp(prefix="ens-abuse-")
    app = _app(tmp, args.redis_url)
    print(f"counters in {'Redis' if args.redis_url else 'the database'}\n")
    login_storm(app, _accounts(app, 12))
    obedient_attacker(app)
    client_secrets(app)
    if args.redis_url:
        redis.Redis.from_url(args.redis_url).flushdb()


if __name__ == "__main__":
    main()
