"""DocumentReference (+ Binary), Appointment, Patient and the CapabilityStatement."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from ens_core.db import db
from ens_core.health.models import Document
from ens_core.health.services import set_document_hidden, set_type_hidden
from tests.factories import PDF_BYTES, make_document, make_measurement

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def document(patient_id, data=PDF_BYTES, content_type="application/pdf", title="Bilan annuel"):
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11502-2"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "date": "2026-02-10T09:00:00+01:00",
        "description": title,
        "content": [
            {
                "attachment": {
                    "contentType": content_type,
                    "data": base64.b64encode(data).decode(),
                    "title": title,
                }
            }
        ],
    }


def appointment(
    patient_id, status="booked", start="2026-12-01T09:00:00Z", end="2026-12-01T09:30:00Z"
):
    return {
        "resourceType": "Appointment",
        "status": status,
        "description": "Consultation cardiologie",
        "start": start,
        "end": end,
        "participant": [
            {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"},
            {"actor": {"display": "Dr Moreau"}, "status": "accepted"},
        ],
    }


def _documents(citizen):
    return db.session.scalar(
        select(func.count()).select_from(Document).where(Document.citizen_id == citizen.id)
    )


def test_document_with_pdf_is_stored_searchable_and_downloadable(api, citizen):
    created = api.post("/fhir/DocumentReference", document(api.patient_id))
    assert created.status_code == 201, created.get_json()
    url = created.get_json()["content"][0]["attachment"]["url"]
    binary = api.get(url.split("127.0.0.1:5000")[-1])
    assert binary.status_code == 200 and binary.data == PDF_BYTES
    assert binary.mimetype == "application/pdf"
    found = api.get("/fhir/DocumentReference?_text=bilan&type=11502-2").get_json()
    assert found["total"] == 1
    assert api.get("/fhir/DocumentReference?_text=radiographie").get_json()["total"] == 0


def test_document_content_must_match_its_type_and_size(api, citizen, app):
    wrong = api.post("/fhir/DocumentReference", document(api.patient_id, PDF_BYTES, "image/png"))
    assert wrong.status_code == 422
    assert wrong.get_json()["issue"][0]["expression"] == [
        "DocumentReference.content[0].attachment.data"
    ]
    exe = api.post(
        "/fhir/DocumentReference", document(api.patient_id, b"MZ\x90", "application/x-msdownload")
    )
    assert exe.status_code == 422
    app.config["ENS_FHIR_MAX_ATTACHMENT_BYTES"] = 100
    try:
        big = api.post("/fhir/DocumentReference", document(api.patient_id, b"%PDF-" + b"x" * 200))
    finally:
        app.config.pop("ENS_FHIR_MAX_ATTACHMENT_BYTES")
    assert big.status_code == 413
    assert (
        api.post("/fhir/DocumentReference", document(api.patient_id, PNG, "image/png")).status_code
        == 201
    )
    assert _documents(citizen) == 1


def test_hidden_document_is_left_out_of_search_and_refused_on_read(api, citizen):
    visible = make_document(citizen, "Ordonnance")
    hidden = make_document(citizen, "Consultation privée")
    set_document_hidden(citizen, hidden, True)
    found = api.get("/fhir/DocumentReference").get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [visible.public_id]
    refused = api.get(f"/fhir/DocumentReference/{hidden.public_id}")
    assert refused.status_code == 403
    assert "Consent missing" in refused.get_json()["issue"][0]["diagnostics"]
    assert api.get(f"/fhir/Binary/{hidden.binary.public_id}").status_code == 403


def test_hidden_data_type_names_the_missing_consent(api, citizen):
    weight = make_measurement(citizen)
    make_measurement(citizen, code="8867-4", value=60)
    set_type_hidden(citizen, "weight", True)
    refused = api.get(f"/fhir/Observation/{weight.public_id}")
    assert refused.status_code == 403
    assert "'weight'" in refused.get_json()["issue"][0]["diagnostics"]
    codes = [
        e["resource"]["code"]["coding"][0]["code"]
        for e in api.get("/fhir/Observation").get_json()["entry"]
    ]
    assert codes == ["8867-4"]
    from tests.ens_core.fhir.conftest import observation

    assert api.post("/fhir/Observation", observation(api.patient_id)).status_code == 403


def test_appointment_create_update_cancel_and_search(api):
    created = api.post("/fhir/Appointment", appointment(api.patient_id))
    assert created.status_code == 201, created.get_json()
    appt_id = created.get_json()["id"]
    moved = appointment(api.patient_id, start="2026-12-02T09:00:00Z", end="2026-12-02T09:30:00Z")
    moved["id"] = appt_id
    assert api.put(f"/fhir/Appointment/{appt_id}", moved).status_code == 200
    cancelled = dict(moved, status="cancelled", cancelationReason={"text": "Empêchement"})
    response = api.put(f"/fhir/Appointment/{appt_id}", cancelled)
    assert response.get_json()["status"] == "cancelled"
    assert api.get("/fhir/Appointment?status=booked").get_json()["total"] == 0
    found = api.get("/fhir/Appointment?status=cancelled&date=ge2026-12-02").get_json()
    assert found["total"] == 1
    backwards = appointment(api.patient_id, end="2026-12-01T08:00:00Z")
    assert api.post("/fhir/Appointment", backwards).status_code == 422


def test_patient_is_the_token_citizen_with_pairwise_id(api, citizen):
    response = api.get(f"/fhir/Patient/{api.patient_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == api.patient_id and body["name"][0]["text"] == citizen.name
    from fhir.resources.R4B.patient import Patient

    Patient.model_validate(body)


def test_capability_statement_is_valid_r4_with_smart_uris(client, app):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    body = response.get_json()
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    ext = body["rest"][0]["security"]["extension"][0]
    uris = {e["url"]: e["valueUri"] for e in ext["extension"]}
    issuer = app.config["ENS_ISSUER"]
    assert uris == {
        "authorize": f"{issuer}/oauth/authorize",
        "token": f"{issuer}/oauth/token",
        "revoke": f"{issuer}/oauth/revoke",
        "introspect": f"{issuer}/oauth/introspect",
    }
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert {"Observation", "DocumentReference", "Appointment", "Patient"} <= types


def test_binary_upload_then_document_referring_to_it(api, citizen):
    uploaded = api.client.post(
        "/fhir/Binary", data=PNG, headers=api.headers(), content_type="image/png"
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    binary_id = uploaded.get_json()["id"]
    payload = document(api.patient_id)
    payload["content"][0]["attachment"] = {
        "contentType": "image/png",
        "url": f"Binary/{binary_id}",
        "title": "Photo de l'ordonnance",
    }
    created = api.post("/fhir/DocumentReference", payload)
    assert created.status_code == 201, created.get_json()
    assert api.get(f"/fhir/Binary/{binary_id}").data == PNG
    fake = api.client.post(
        "/fhir/Binary", data=b"GIF89a", headers=api.headers(), content_type="image/png"
    )
    assert fake.status_code == 422
