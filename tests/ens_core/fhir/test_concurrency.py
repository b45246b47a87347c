"""32 FHIR reads and writes at once against a live server (threads, real HTTP).

Every answer is 2xx — no "database is locked" on SQLite, where a create begins as a writer
(BEGIN IMMEDIATE) and a read or search takes the write lock (BEGIN IMMEDIATE after its
reads) for its access-log entry only, waiting its turn instead of failing — and every write
is in the citizen's access log exactly once, in an unbroken chain.

Runs on the test database of the run: SQLite, or PostgreSQL when ENS_TEST_DATABASE_URL is
set. The server commits for real and the tables are emptied afterwards. It allows a long
lock wait (60 s): on a machine busy with other work, 32 writers queueing behind each other
may take longer than the default 5 s, and a 503 there would say nothing about the design.
"""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select

from authz.tokens import pairwise_id
from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health.access_log import verify_chain
from ens_core.health.models import AccessLogEntry
from tests.authz.support import fhir_token
from tests.conftest import make_test_app
from tests.ens_core.fhir.conftest import observation
from tests.factories import make_service, make_user
from tests.serving import serving

SCOPES = "launch/patient patient/Observation.rs patient/Observation.cu"
CALLS_PER_CITIZEN = 16  # 8 creates, 4 reads by id, 4 searches; two citizens: 32 calls


class Caller:
    def __init__(self, base: str, citizen_id: int, token: str, patient_id: str):
        self.base, self.citizen_id, self.patient_id = base, citizen_id, patient_id
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def create(self, value: float) -> requests.Response:
        return self.session.post(
            f"{self.base}/fhir/Observation",
            json=observation(self.patient_id, value=value),
            headers={"Content-Type": "application/fhir+json"},
            timeout=60,
        )

    def read(self, resource_id: str) -> requests.Response:
        return self.session.get(f"{self.base}/fhir/Observation/{resource_id}", timeout=60)

    def search(self) -> requests.Response:
        return self.session.get(
            f"{self.base}/fhir/Observation", params={"code": "29463-7"}, timeout=60
        )


def _callers(app, base: str) -> list[Caller]:
    with app.app_context():
        service = make_service(status=ServiceStatus.REFERENCED, name="Tension Concurrente")
        citizens = [make_user(Role.CITIZEN) for _ in range(2)]
        tokens = [fhir_token(citizen, service, SCOPES) for citizen in citizens]
        db.session.commit()
        return [
            Caller(base, c.id, token, pairwise_id(c.id, service.id))
            for c, token in zip(citizens, tokens, strict=True)
        ]


@pytest.fixture
def patient_server(app, database_url, tmp_path):
    """A live server whose writers wait up to 60 s for the SQLite write lock."""
    patient = make_test_app(database_url, tmp_path, ENS_DB_LOCK_TIMEOUT=60)
    with serving(patient) as base:
        yield patient, base
    with patient.app_context():
        db.engine.dispose()


@pytest.mark.own_database
def test_concurrent_reads_and_writes_all_succeed_and_each_write_is_logged_once(patient_server):
    app, base = patient_server
    callers = _callers(app, base)
    seeded = {}
    for caller in callers:  # one stored measure each, for the reads by id
        response = caller.create(70.0)
        assert response.status_code == 201, response.text
        seeded[caller] = response.json()["id"]

    calls = []
    for caller in callers:
        calls += [(caller, "create", lambda c=caller, i=i: c.create(60.0 + i)) for i in range(8)]
        calls += [(caller, "read", lambda c=caller: c.read(seeded[c])) for _ in range(4)]
        calls += [(caller, "search", lambda c=caller: c.search()) for _ in range(4)]
    assert len(calls) == 32
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[Caller, str, requests.Response]] = []
    errors: list[str] = []

    def fire(caller, kind, call):
        try:
            barrier.wait(timeout=30)
            answers.append((caller, kind, call()))
        except Exception as exc:  # reported below, never swallowed
            errors.append(repr(exc))

    threads = [threading.Thread(target=fire, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    refused = [
        (kind, r.status_code, r.text[:200]) for _, kind, r in answers if r.status_code >= 300
    ]
    assert refused == []
    assert len(answers) == 32

    with app.app_context():
        for caller in callers:
            entries = list(
                db.session.scalars(
                    select(AccessLogEntry).where(AccessLogEntry.citizen_id == caller.citizen_id)
                )
            )
            # One entry per call (the seeding create included), all successful.
            assert len(entries) == CALLS_PER_CITIZEN + 1
            assert {e.outcome for e in entries} == {"success"}
            created = [r.json()["id"] for c, kind, r in answers if c is caller and kind == "create"]
            assert len(set(created)) == 8
            for resource_id in [*created, seeded[caller]]:
                logged = [
                    e
                    for e in entries
                    if e.interaction == "create" and resource_id in e.resource_ids
                ]
                assert len(logged) == 1, resource_id
            assert verify_chain(caller.citizen_id).ok
