"""Replay of hostile inputs to the FHIR API (issue 17): each one is a 4xx OperationOutcome
naming what is wrong, and nothing is stored. Runs on SQLite, and on PostgreSQL when
``ENS_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from ens_core.db import db
from ens_core.health.models import Appointment, Binary, Document, Measurement
from tests.ens_core.fhir.conftest import observation, transaction
from tests.ens_core.fhir.test_documents_appointments import appointment, document


def _stored(citizen) -> int:
    return sum(
        db.session.scalar(select(func.count()).select_from(m).where(m.citizen_id == citizen.id))
        for m in (Measurement, Document, Appointment, Binary)
    )


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"extension": [value]}
    return value


def _with(resource: dict, path: str, value) -> dict:
    """``resource`` with the element at the dotted ``path`` replaced by ``value``."""
    resource = json.loads(json.dumps(resource))
    *parents, last = path.split(".")
    node = resource
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return resource


OBS = "Observation"
WRITES = [
    # (id, resource type, body from patient id, the element the OperationOutcome names)
    (
        "date-as-number",
        OBS,
        lambda p: _with(observation(p), "effectiveDateTime", 20260101),
        "Observation.effectiveDateTime",
    ),
    (
        "value-as-string",
        OBS,
        lambda p: _with(observation(p), "valueQuantity.value", "72"),
        "Observation.valueQuantity.value",
    ),
    (
        "value-as-bool",
        OBS,
        lambda p: _with(observation(p), "valueQuantity.value", True),
        "Observation.valueQuantity.value",
    ),
    ("status-as-number", OBS, lambda p: _with(observation(p), "status", 5), "Observation.status"),
    (
        "coding-not-array",
        OBS,
        lambda p: _with(observation(p), "code.coding", {"code": "x"}),
        "Observation.code.coding",
    ),
    (
        "subject-as-string",
        OBS,
        lambda p: _with(observation(p), "subject", f"Patient/{p}"),
        "Observation.subject",
    ),
    (
        "date-before-year-1-in-utc",
        OBS,
        lambda p: _with(observation(p), "effectiveDateTime", "0001-01-01T00:00:00+14:00"),
        "Observation.effectiveDateTime",
    ),
    (
        "date-after-9999-in-utc",
        OBS,
        lambda p: _with(observation(p), "effectiveDateTime", "9999-12-31T23:59:59-14:00"),
        "Observation.effectiveDateTime",
    ),
    ("nul-in-note", OBS, lambda p: {**observation(p), "note": [{"text": "a\x00b"}]}, None),
    (
        "lone-surrogate-in-note",
        OBS,
        lambda p: {**observation(p), "note": [{"text": "a\ud800"}]},
        None,
    ),
    ("nul-in-key", OBS, lambda p: {**observation(p), "x\x00": 1}, None),
    ("deep-nesting", OBS, lambda p: {**observation(p), "extension": [_nested(200)]}, None),
    ("not-an-object", OBS, lambda p: [observation(p)], "Observation"),
    (
        "cancelation-reason-too-long",
        "Appointment",
        lambda p: {**appointment(p, status="cancelled"), "cancelationReason": {"text": "x" * 301}},
        "Appointment.cancelationReason.text",
    ),
    (
        "document-description-nul",
        "DocumentReference",
        lambda p: _with(document(p), "description", "a\x00"),
        None,
    ),
    (
        "attachment-data-as-number",
        "DocumentReference",
        lambda p: _with(document(p), "content.0.attachment.data", 5),
        "DocumentReference.content[0].attachment.data",
    ),
    (
        "bundle-entry-number",
        "",
        lambda p: {**transaction(observation(p)), "entry": [1]},
        "Bundle.entry[0]",
    ),
    (
        "bundle-entry-not-array",
        "",
        lambda p: {**transaction(observation(p)), "entry": "x"},
        "Bundle.entry",
    ),
    (
        "bundle-resource-number",
        "",
        lambda p: _with(transaction(observation(p)), "entry.0.resource", 1),
        "Bundle.entry[0].resource",
    ),
    (
        "bundle-request-method-number",
        "",
        lambda p: _with(transaction(observation(p)), "entry.0.request.method", 5),
        "Bundle.entry[0].request.method",
    ),
    (
        "bundle-entry-bad-type",
        "",
        lambda p: _with(transaction(observation(p)), "entry.0.resource.valueQuantity.value", "72"),
        "Bundle.entry[0].resource.valueQuantity.value",
    ),
    (
        "binary-data-number",
        "Binary",
        lambda p: {"resourceType": "Binary", "contentType": "application/pdf", "data": 5},
        "Binary.data",
    ),
    (
        "binary-data-array",
        "Binary",
        lambda p: {"resourceType": "Binary", "contentType": "application/pdf", "data": []},
        "Binary.data",
    ),
    (
        "binary-content-type-object",
        "Binary",
        lambda p: {"resourceType": "Binary", "contentType": {}, "data": "JVBERi0="},
        "Binary.contentType",
    ),
]


def _assert_refused(response, expression=None):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["diagnostics"]
    if expression:
        assert expression in [e for i in body["issue"] for e in i.get("expression", [])], body


@pytest.mark.parametrize(
    ("resource_type", "make", "expression"),
    [case[1:] for case in WRITES],
    ids=[case[0] for case in WRITES],
)
def test_hostile_resource_is_refused_naming_the_element(
    api, citizen, resource_type, make, expression
):
    before = _stored(citizen)
    response = api.post(f"/fhir/{resource_type}".rstrip("/"), make(api.patient_id))
    _assert_refused(response, expression)
    assert _stored(citizen) == before


RAW_BODIES = [
    ("deeply-nested-arrays", b"[" * 100_000 + b"]" * 100_000),
    ("deeply-nested-objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("nan", b'{"resourceType":"Observation","valueQuantity":{"value":NaN}}'),
    ("huge-number", b'{"resourceType":"Observation","valueQuantity":{"value":1e400}}'),
    (
        "huge-integer",
        b'{"resourceType":"Observation","valueQuantity":{"value":' + b"9" * 5000 + b"}}",
    ),
    ("not-utf8", b'{"resourceType":"\xff"}'),
    ("null", b"null"),
    ("lone-surrogate", b'{"resourceType":"Observation","note":[{"text":"\\ud800"}]}'),
    ("truncated", b'{"resourceType":'),
]


@pytest.mark.parametrize("url", ["/fhir/Observation", "/fhir", "/fhir/Binary"])
@pytest.mark.parametrize("raw", [b for _, b in RAW_BODIES], ids=[n for n, _ in RAW_BODIES])
def test_hostile_json_body_is_refused(api, citizen, url, raw):
    response = api.client.post(
        url, data=raw, headers=api.headers(), content_type="application/fhir+json"
    )
    _assert_refused(response)
    assert _stored(citizen) == 0


READS = [
    ("nul-id", "/fhir/Observation/%00"),
    ("long-id", "/fhir/Observation/" + "a" * 65),
    ("id-with-quote", "/fhir/Observation/a'b"),
    ("nul-patient-id", "/fhir/Patient/%00"),
    ("nul-binary-id", "/fhir/Binary/%00"),
    ("offset-beyond-64-bits", "/fhir/Observation?_offset=9223372036854775808"),
    ("count-beyond-64-bits", "/fhir/Observation?_count=99999999999999999999"),
    ("count-negative", "/fhir/Observation?_count=-1"),
    ("count-float", "/fhir/Observation?_count=1e3"),
    ("date-out-of-range-in-utc", "/fhir/Observation?date=0001-01-01T00:00:00%2B14:00"),
    ("date-year-10000", "/fhir/Observation?date=10000-01-01"),
    ("nul-in-code", "/fhir/Observation?code=%00"),
    ("nul-in-text", "/fhir/DocumentReference?_text=a%00"),
    ("very-long-value", "/fhir/Observation?code=" + "x" * 5000),
    ("repeated-params", "/fhir/Observation?" + "&".join(["code=29463-7"] * 1000)),
    ("many-comma-values", "/fhir/Observation?code=" + ",".join(["29463-7"] * 1000)),
    ("repeated-dates", "/fhir/Observation?" + "&".join(["date=ge2026-01-01"] * 1000)),
]


@pytest.mark.parametrize("url", [u for _, u in READS], ids=[n for n, _ in READS])
def test_hostile_read_or_search_is_refused(api, url):
    _assert_refused(api.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Observation?date=9999-12-31",
        "/fhir/Observation?date=9999",
        "/fhir/Observation?date=gt9999-12-31T23:59:59Z",
        "/fhir/Observation?date=le0001-01-01",
        "/fhir/Appointment?date=9999-12",
        "/fhir/Observation?_count=2147483647&_offset=2147483647",
    ],
)
def test_extreme_but_valid_searches_answer_an_empty_page(api, url):
    response = api.get(url)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total"] == 0 or "_offset" in url


def test_post_search_form_is_checked_too(api):
    response = api.client.post(
        "/fhir/Observation/_search",
        data={"_offset": "9223372036854775808"},
        headers=api.headers(),
    )
    _assert_refused(response, "_offset")


def test_a_valid_resource_still_goes_through(api, citizen):
    assert api.post("/fhir/Observation", observation(api.patient_id)).status_code == 201
    cancelled = {
        **appointment(api.patient_id, status="cancelled"),
        "cancelationReason": {"text": "x" * 300},
    }
    assert api.post("/fhir/Appointment", cancelled).status_code == 201
