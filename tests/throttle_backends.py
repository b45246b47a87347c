"""Both throttle backends: the database (no ``ENS_REDIS_URL``) and Redis.

Redis tests use their own database number on the local server (one per xdist worker) and
empty it before and after each test."""

from __future__ import annotations

import os

import pytest
import redis

REDIS_BASE = os.environ.get("ENS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _redis_url(worker_id: str) -> str:
    number = 12 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    return f"{REDIS_BASE}/{number}"


@pytest.fixture(params=["database", "redis"])
def backend(request, app):
    """Run the test once with counters in the database, once in Redis."""
    if request.param == "database":
        yield "database"
        return
    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    url = _redis_url(worker)
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    app.config["ENS_REDIS_URL"] = url
    try:
        yield "redis"
    finally:
        app.config["ENS_REDIS_URL"] = None
        connection.flushdb()
        connection.close()
