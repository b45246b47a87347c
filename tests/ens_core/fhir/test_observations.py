"""Observation over HTTP with real access tokens: create, read, search, update, the
transaction Bundle, validation errors, isolation between citizens and services."""

from __future__ import annotations

from sqlalchemy import func, select

from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health.models import AccessLogEntry, Measurement
from tests.ens_core.fhir.conftest import Api, blood_pressure, observation, transaction
from tests.factories import make_measurement, make_service, make_user

FHIR = "application/fhir+json"


def _count(citizen):
    return db.session.scalar(
        select(func.count()).select_from(Measurement).where(Measurement.citizen_id == citizen.id)
    )


def test_create_then_read_records_the_source_and_logs_both(api, citizen, service):
    created = api.post("/fhir/Observation", observation(api.patient_id))
    assert created.status_code == 201, created.get_json()
    assert created.mimetype == FHIR
    body = created.get_json()
    assert body["meta"]["source"].startswith(f"urn:ens:service:{service.slug}:client:")
    assert body["subject"]["reference"] == f"Patient/{api.patient_id}"
    assert created.headers["Location"].endswith(f"/Observation/{body['id']}/_history/1")

    read = api.get(f"/fhir/Observation/{body['id']}")
    assert read.status_code == 200
    assert read.get_json()["valueQuantity"] == {
        "value": 72.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    log = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.citizen_id == citizen.id)
        .order_by(AccessLogEntry.seq)
    ).all()
    assert [(e.interaction, e.outcome, e.service_name) for e in log] == [
        ("create", "success", service.name),
        ("read", "success", service.name),
    ]
    assert log[1].resource_ids == [body["id"]]


def test_blood_pressure_transaction_then_read_back(api, citizen):
    bundle = transaction(
        blood_pressure(api.patient_id, 131, 84, "2026-03-02T08:00:00Z"),
        blood_pressure(api.patient_id, 125, 80, "2026-03-03T08:00:00Z"),
    )
    response = api.post("/fhir", bundle)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "201 Created"]

    found = api.get(f"/fhir/Observation?patient={api.patient_id}&code=http://loinc.org|85354-9")
    bundle = found.get_json()
    assert bundle["total"] == 2
    newest = bundle["entry"][0]["resource"]
    assert [c["valueQuantity"]["value"] for c in newest["component"]] == [125, 80]


def test_transaction_is_all_or_nothing(api, citizen):
    bad = observation(api.patient_id, unit="lb")
    response = api.post("/fhir", transaction(blood_pressure(api.patient_id), bad))
    assert response.status_code == 422
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1].resource.valueQuantity.code"]
    assert _count(citizen) == 0
    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.citizen_id == citizen.id)
    ).one()
    assert (entry.interaction, entry.outcome, entry.status_code) == ("transaction", "invalid", 422)


def test_invalid_structure_names_the_element_and_stores_nothing(api, citizen):
    payload = observation(api.patient_id)
    payload["valueQuantity"]["value"] = "heavy"
    response = api.post("/fhir/Observation", payload)
    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == ["Observation.valueQuantity.value"]
    assert _count(citizen) == 0


def test_profile_rules_units_codes_ranges(api, citizen):
    cases = [
        (observation(api.patient_id, code="1234-5"), "Observation.code"),
        (observation(api.patient_id, unit="g"), "Observation.valueQuantity.code"),
        (observation(api.patient_id, value=900), "Observation.valueQuantity.value"),
        (
            observation(api.patient_id, code="15074-8", value=5.4, unit="mg/dL"),
            "Observation.valueQuantity.code",
        ),
        (blood_pressure(api.patient_id, 70, 90), "Observation.component"),
    ]
    for payload, element in cases:
        response = api.post("/fhir/Observation", payload)
        assert response.status_code == 422, (element, response.get_json())
        assert response.get_json()["issue"][0]["expression"] == [element]
    glucose = observation(api.patient_id, code="15074-8", value=5.4, unit="mmol/L")
    assert api.post("/fhir/Observation", glucose).status_code == 201
    assert _count(citizen) == 1


def test_search_by_date_prefixes_sort_and_paging(api, citizen, service):
    from datetime import UTC, datetime

    for day in range(1, 8):
        make_measurement(citizen, value=70 + day, at=datetime(2026, 1, day, 8, tzinfo=UTC))
    make_measurement(citizen, code="8867-4", value=60, at=datetime(2026, 1, 3, tzinfo=UTC))
    url = "/fhir/Observation?code=29463-7&date=ge2026-01-02&date=lt2026-01-06&_count=2"
    page = api.get(url).get_json()
    assert page["total"] == 4
    assert [e["resource"]["valueQuantity"]["value"] for e in page["entry"]] == [75, 74]
    links = {link["relation"]: link["url"] for link in page["link"]}
    assert "next" in links and "previous" not in links
    second = api.get(links["next"].split("127.0.0.1:5000")[-1]).get_json()
    assert [e["resource"]["valueQuantity"]["value"] for e in second["entry"]] == [73, 72]
    ascending = api.get("/fhir/Observation?code=29463-7&_sort=date&_count=1").get_json()
    assert ascending["entry"][0]["resource"]["valueQuantity"]["value"] == 71
    assert api.get("/fhir/Observation?date=gt2026-01-07").get_json()["total"] == 0
    assert api.get("/fhir/Observation?date=2026-01-03").get_json()["total"] == 2


def test_patient_parameter_for_another_patient_is_refused_without_data(api, citizen):
    make_measurement(citizen)
    response = api.get("/fhir/Observation?patient=someone-else")
    assert response.status_code == 403
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "entry" not in response.get_json()


def test_a_service_never_reads_another_citizens_data(client, service):
    alice, bob = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    bob_weight = make_measurement(bob)
    api = Api(client, alice, service)
    assert api.get(f"/fhir/Observation/{bob_weight.public_id}").status_code == 404
    assert api.get("/fhir/Observation").get_json()["total"] == 0
    bob_api = Api(client, bob, service)
    assert api.get(f"/fhir/Patient/{bob_api.patient_id}").status_code == 404


def test_update_only_own_writes(client, citizen, service):
    other = make_service(status=ServiceStatus.REFERENCED)
    mine, theirs = Api(client, citizen, service), Api(client, citizen, other)
    created = mine.post("/fhir/Observation", observation(mine.patient_id)).get_json()
    change = observation(theirs.patient_id, value=73)
    change["id"] = created["id"]
    refused = theirs.put(f"/fhir/Observation/{created['id']}", change)
    assert refused.status_code == 403
    change = observation(mine.patient_id, value=73)
    change["id"] = created["id"]
    updated = mine.put(f"/fhir/Observation/{created['id']}", change)
    assert updated.status_code == 200
    assert updated.get_json()["meta"]["versionId"] == "2"
    stale = mine.client.put(
        f"/fhir/Observation/{created['id']}",
        json=change,
        headers=mine.headers(**{"If-Match": 'W/"1"'}),
        content_type=FHIR,
    )
    assert stale.status_code == 412


def test_missing_scope_is_refused_and_logged(client, citizen, service):
    api = Api(client, citizen, service, "launch/patient patient/Observation.rs")
    response = api.post("/fhir/Observation", observation(api.patient_id))
    assert response.status_code == 403
    assert response.get_json()["resourceType"] == "OperationOutcome"
    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.citizen_id == citizen.id)
    ).one()
    assert (entry.interaction, entry.outcome, entry.service_id) == ("create", "denied", service.id)


def test_revoked_grant_refuses_the_next_call_and_logs_it(api, citizen, service):
    from authz.models import Grant
    from authz.services import revoke_grant

    assert api.get("/fhir/Observation").status_code == 200
    grant = db.session.scalar(select(Grant).where(Grant.citizen_id == citizen.id))
    revoke_grant(grant, reason="test")
    db.session.flush()
    refused = api.get("/fhir/Observation")
    assert refused.status_code == 401
    assert refused.get_json()["resourceType"] == "OperationOutcome"
    entries = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.citizen_id == citizen.id)
        .order_by(AccessLogEntry.seq)
    ).all()
    assert [(e.outcome, e.status_code) for e in entries] == [("success", 200), ("denied", 401)]


def test_errors_are_operation_outcomes(api):
    for response, status in [
        (api.get("/fhir/Medication"), 404),
        (api.client.delete("/fhir/Observation/x", headers=api.headers()), 405),
        (api.client.get("/fhir/Observation"), 401),
        (api.get("/fhir/Observation/does-not-exist"), 404),
        (api.get("/fhir/Observation?flavour=vanilla"), 400),
        (
            api.client.post(
                "/fhir/Observation", data="{", headers=api.headers(), content_type=FHIR
            ),
            400,
        ),
    ]:
        assert response.status_code == status
        assert response.mimetype == FHIR
        assert response.get_json()["resourceType"] == "OperationOutcome"
