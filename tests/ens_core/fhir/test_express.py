"""The express lane (ens_core.fhir.express) answers an ordinary Observation read or search
exactly as the full path does — same status, body, headers and access-log entry — and
hands every other call to the full path before it has written anything."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from authz import tokens
from authz.models import Grant
from authz.services import revoke_grant
from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.fhir import express
from ens_core.health import delegation
from ens_core.health import services as health
from ens_core.health.access_log import _CANONICAL_FIELDS
from ens_core.health.models import AccessLogEntry, GuardianshipKind
from tests.authz.support import fhir_token
from tests.ens_core.fhir.conftest import Api, observation
from tests.factories import make_measurement, make_service, make_user

# What differs between two answers to the same call, whichever path answers.
_PER_ANSWER = {"x-request-id", "date"}
# Every field of an entry but its place in the chain (the two calls are two entries).
_LOGGED = (*(f for f in _CANONICAL_FIELDS if f not in ("citizen_id", "seq")), "resource_ids")


@pytest.fixture
def served(monkeypatch):
    """The calls the express lane answered itself (the others it handed over)."""
    answered = []
    serve = express.ExpressLane.serve

    def spy(lane, call, environ):
        answer = serve(lane, call, environ)
        answered.append(answer is not None)
        return answer

    monkeypatch.setattr(express.ExpressLane, "serve", spy)
    return answered


def _last_entry(citizen) -> dict:
    entry = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.citizen_id == citizen.id)
        .order_by(AccessLogEntry.seq.desc())
        .limit(1)
    ).one()
    return {name: getattr(entry, name) for name in _LOGGED}


def _entries(citizen) -> int:
    return len(
        db.session.scalars(
            select(AccessLogEntry.id).where(AccessLogEntry.citizen_id == citizen.id)
        ).all()
    )


def _answer(api, app, url, *, lane: bool, headers=None):
    app.config["ENS_FHIR_EXPRESS"] = lane
    try:
        response = api.client.get(url, headers=api.headers(**(headers or {})))
    finally:
        app.config["ENS_FHIR_EXPRESS"] = True
    kept = {(k.lower(), v) for k, v in response.headers.items() if k.lower() not in _PER_ANSWER}
    return response.status_code, response.get_json(), kept, _last_entry(api.citizen)


@pytest.fixture
def records(api, citizen, service):
    """Observations written by the service itself, by the citizen, and by another service."""
    own = api.post("/fhir/Observation", observation(api.patient_id, value=71.5)).get_json()["id"]
    mine = make_measurement(citizen, value=70.2).public_id
    other = make_measurement(citizen, value=69.9, service=make_service()).public_id
    api.get(f"/fhir/Observation/{own}")  # the token is verified once, on the full path
    return {"own": own, "mine": mine, "other": other}


_SEARCHES = (
    "/fhir/Observation?code=29463-7&_count=10",
    "/fhir/Observation?code=http://loinc.org|29463-7&_count=2&_offset=1",
    "/fhir/Observation?code=http://snomed.info/sct|29463-7",
    "/fhir/Observation?_sort=date&_count=1",
    "/fhir/Observation?_count=0",
    "/fhir/Observation",
)


@pytest.mark.parametrize("record", ["own", "mine", "other"])
def test_a_read_is_answered_and_logged_as_on_the_full_path(api, app, records, served, record):
    url = f"/fhir/Observation/{records[record]}"
    full = _answer(api, app, url, lane=False)
    fast = _answer(api, app, url, lane=True, headers={"X-Request-ID": "probe-1234"})
    assert served == [True]
    assert fast == full
    assert full[0] == 200 and full[3]["resource_ids"] == [records[record]]


@pytest.mark.parametrize("url", _SEARCHES)
def test_a_search_is_answered_and_logged_as_on_the_full_path(api, app, records, served, url):
    full = _answer(api, app, url, lane=False)
    fast = _answer(api, app, url, lane=True)
    assert served == [True]
    assert fast == full
    # A code of another system matches nothing (it was a 500 on PostgreSQL).
    assert full[0] == 200 and full[1]["resourceType"] == "Bundle"


def test_the_request_id_a_caller_sends_comes_back(api, records, served):
    response = api.client.get(
        f"/fhir/Observation/{records['own']}", headers=api.headers(**{"X-Request-ID": "abc-12345"})
    )
    assert served == [True]
    assert response.headers["X-Request-ID"] == "abc-12345"


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Observation/nope-404",
        "/fhir/Observation/bad*id",
        "/fhir/Observation?code=29463-7,8302-2",
        "/fhir/Observation?date=ge2026-01-01",
        "/fhir/Observation?_count=-1",
        "/fhir/Observation?_sort=value",
        "/fhir/Observation?patient=someone-else",
        "/fhir/Observation?_format=json",
    ],
)
def test_anything_out_of_the_ordinary_is_left_to_the_full_path(api, app, records, served, url):
    before = _entries(api.citizen)
    full = _answer(api, app, url, lane=False)
    logged_by_full_path = _entries(api.citizen) - before
    lane = _answer(api, app, url, lane=True)
    assert not any(served)
    assert lane == full
    assert _entries(api.citizen) - before == 2 * logged_by_full_path  # none from the lane


def test_a_token_this_process_has_not_seen_is_verified_by_the_lane(
    api, records, served, citizen, service
):
    fresh = Api(api.client, citizen, service)
    for _ in range(2):
        assert fresh.get(f"/fhir/Observation/{records['own']}").status_code == 200
    assert served == [True, True]


def _forged(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join((header, payload, signature[::-1]))


@pytest.mark.parametrize("kind", ["another audience", "a forged signature", "not a JWT"])
def test_a_token_that_fails_verification_is_refused_by_the_full_path_every_time(
    api, records, served, citizen, service, monkeypatch, kind
):
    """Its claims never reach the cache the lane trusts: every call is refused, with the
    full path's 401 — a token signed by us for another audience included."""
    if kind == "another audience":
        with monkeypatch.context() as patch:
            patch.setattr(tokens, "fhir_base_url", lambda: "https://elsewhere.example/fhir")
            api.token = fhir_token(citizen, service, "patient/Observation.rs")
    elif kind == "a forged signature":
        api.token = _forged(api.token)
    else:
        api.token = "not-a-jwt"
    for _ in range(2):
        response = api.get(f"/fhir/Observation/{records['own']}")
        assert response.status_code == 401
        assert response.get_json()["resourceType"] == "OperationOutcome"
    assert served == [False, False]


def test_a_revocation_is_refused_at_the_next_call(api, records, served, citizen, service):
    url = f"/fhir/Observation/{records['own']}"
    assert api.get(url).status_code == 200
    grant = db.session.scalar(
        select(Grant).where(Grant.citizen_id == citizen.id, Grant.service_id == service.id)
    )
    revoke_grant(grant, reason="test")
    db.session.commit()
    refused = api.get(url)
    assert refused.status_code == 401
    assert "consent" in refused.get_json()["issue"][0]["diagnostics"]
    assert served == [True, False]


@pytest.mark.parametrize(
    "change",
    [
        lambda citizen, service: setattr(service, "status", ServiceStatus.SUSPENDED),
        lambda citizen, service: health.set_type_hidden(citizen, "weight", True),
        lambda citizen, service: setattr(citizen, "is_active_account", False),
    ],
    ids=["suspended-service", "hidden-type", "closed-account"],
)
def test_a_live_change_is_answered_by_the_full_path(api, app, records, served, change):
    url = f"/fhir/Observation/{records['own']}"
    change(api.citizen, api.service)
    db.session.commit()
    before = _entries(api.citizen)
    full = _answer(api, app, url, lane=False)
    logged_by_full_path = _entries(api.citizen) - before
    lane = _answer(api, app, url, lane=True)
    assert full[0] in (401, 403) and lane == full
    assert not any(served)
    assert _entries(api.citizen) - before == 2 * logged_by_full_path  # none from the lane


def test_a_token_without_the_read_scope_is_refused_by_the_full_path(api, records, served):
    narrow = Api(api.client, api.citizen, api.service, "launch/patient patient/Observation.s")
    url = f"/fhir/Observation/{records['own']}"
    assert narrow.get(url).status_code == 403
    assert narrow.get(url).status_code == 403
    assert served == [False, False]


def test_another_citizens_record_is_never_served(api, records, served):
    stranger = make_user(Role.CITIZEN)
    theirs = make_measurement(stranger).public_id
    assert api.get(f"/fhir/Observation/{theirs}").status_code == 404
    assert served == [False]


def test_a_failure_after_the_lanes_entry_is_rolled_back_and_the_full_path_answers(
    api, records, served, monkeypatch
):
    """A crash between the entry and the commit: the lane's entry is not kept, the full
    path answers and logs the call once."""
    append_entry, failures = express.access_log.append_entry, []

    def crash_once(*args, **kwargs):
        append_entry(*args, **kwargs)
        if not failures:
            failures.append(1)
            raise RuntimeError("crash before the commit")

    monkeypatch.setattr(express.access_log, "append_entry", crash_once)
    before = _entries(api.citizen)
    assert api.get(f"/fhir/Observation/{records['own']}").status_code == 200
    assert served == [False] and failures == [1]
    assert _entries(api.citizen) == before + 1


def test_a_guardians_service_takes_the_full_path(client, app_ctx, served):
    today = utcnow().date()
    guardian = make_user(Role.CITIZEN)
    minor = make_user(Role.CITIZEN, birth_date=date(today.year - 12, 1, 1))
    delegation.link_guardian(None, guardian, minor, GuardianshipKind.MINOR)
    service = make_service(status=ServiceStatus.REFERENCED)
    record = make_measurement(minor).public_id
    api = Api(client, minor, service)
    api.token = fhir_token(minor, service, "patient/Observation.rs", consented_by=guardian)
    for _ in range(2):
        assert api.get(f"/fhir/Observation/{record}").status_code == 200
    assert served == [False, False]


def test_a_search_by_a_citizen_who_hides_a_type_is_filtered_by_the_full_path(
    api, app, records, served
):
    health.set_type_hidden(api.citizen, "weight", True)
    db.session.commit()
    full = _answer(api, app, "/fhir/Observation?code=29463-7", lane=False)
    lane = _answer(api, app, "/fhir/Observation?code=29463-7", lane=True)
    assert not any(served)
    assert lane == full
    assert full[0] == 200 and full[1]["total"] == 0  # every weight is hidden
