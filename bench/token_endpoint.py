"""Throughput of the token endpoint (refresh-token grant, with rotation).

Each request authenticates a confidential client (client_secret_basic: SHA-256 of the
secret, constant-time compare), looks the refresh token up by its SHA-256, marks it used,
signs a new ES256 access token and stores a new refresh token — the real work of
``POST /oauth/token``. It also prints what one SHA-256 check and one argon2id check cost,
which is why secrets and tokens are stored as SHA-256 (DESIGN.md, "Secrets at rest").

    .venv/bin/python bench/token_endpoint.py [--requests 300] [--database-url URL]

Runs in-process through Flask's test client (no network), on a temporary SQLite file by
default.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_service, confidential_client, migrated_app


def _credentials() -> tuple[str, str, str]:
    """A referenced service's confidential client and a citizen's refresh token from it:
    (client_id, secret, refresh_token), committed."""
    from authz.consent import record_consent
    from authz.tokens import issue_tokens
    from ens_core.accounts.models import Role
    from ens_core.accounts.services import create_user
    from ens_core.db import db

    editor = create_user(
        email="bench-editor@bench.ens", name="Bench", password="x" * 16, roles={Role.EDITOR}
    )
    service = bench_service(editor, "Bench SAS", "Bench", "bench")
    client, secret = confidential_client(
        service, name="Bench client", scopes="patient/Observation.rs offline_access"
    )
    citizen = create_user(
        email="bench-citizen@bench.ens", name="Bench", password="x" * 16, roles={Role.CITIZEN}
    )
    scopes = ["patient/Observation.rs", "offline_access"]
    grant, _ = record_consent(citizen, service, client, scopes)
    refresh_token = issue_tokens(grant, client, scopes, include_refresh=True).refresh_token
    client_id = client.client_id
    db.session.commit()
    return client_id, secret, refresh_token


def _unit_costs(secret: str) -> tuple[float, float]:
    """The comparison behind every client authentication and token lookup: one SHA-256
    check (µs) and one argon2id check (ms)."""
    from ens_core.accounts.passwords import hash_password, verify_password
    from ens_core.security import hash_secret, secret_matches

    rounds = 20000
    stored = hash_secret(secret)
    start = time.perf_counter()
    for _ in range(rounds):
        secret_matches(secret, stored)
    sha_us = (time.perf_counter() - start) / rounds * 1e6
    password_hash = hash_password(secret)
    start = time.perf_counter()
    for _ in range(5):
        verify_password(password_hash, secret)
    argon_ms = (time.perf_counter() - start) / 5 * 1e3
    return sha_us, argon_ms


def _refresh_rounds(app, auth: dict, refresh_token: str, requests: int) -> float:
    """Seconds taken by ``requests`` refresh grants in a row, each with the token the last
    one returned (after five to warm up)."""
    http = app.test_client()
    for _ in range(5):  # warm-up (key decryption, caches)
        body = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers=auth,
        ).get_json()
        refresh_token = body["refresh_token"]
    start = time.perf_counter()
    for _ in range(requests):
        response = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers=auth,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        refresh_token = response.get_json()["refresh_token"]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="ens-bench-")
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    app = migrated_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "ENS_DATA_DIR": tmp}
    )
    with app.app_context():
        client_id, secret, refresh_token = _credentials()
        sha_us, argon_ms = _unit_costs(secret)

    auth = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}
    elapsed = _refresh_rounds(app, auth, refresh_token, args.requests)

    print(f"database: {url.split('@')[-1]}")
    print(f"token endpoint (refresh grant, rotation): {args.requests / elapsed:.0f} requests/s")
    print(f"  mean latency: {elapsed / args.requests * 1e3:.2f} ms")
    print(f"SHA-256 secret check: {sha_us:.2f} µs per check")
    print(f"argon2id check (RFC 9106 low-memory profile): {argon_ms:.1f} ms per check")
    print(
        "  -> with argon2id for client secrets and refresh tokens (two checks per request) "
        f"the endpoint would be capped near {1000 / (2 * argon_ms):.0f} requests/s per core"
    )


if __name__ == "__main__":
    main()
