"""Mapping between the health space records and FHIR R4 resources, and validation of
incoming resources: structure with ``fhir.resources`` (R4B models, wire-identical to R4
for the resources served here), then the profile rules of the national measures guide.

Structural problems answer 400, profile (business rule) problems 422; each issue names
the element at fault as a FHIRPath expression.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime, time, timedelta

import pydantic
from fhir.resources.R4B import appointment, documentreference, observation
from flask import current_app

from ens_core import uploads
from ens_core.db import utcnow
from ens_core.fhir import edge
from ens_core.fhir.errors import FhirError, FhirErrors
from ens_core.health.datatypes import (
    BP_DIASTOLIC,
    BP_SYSTOLIC,
    BY_CODE,
    DOCUMENT_TYPES,
    LOINC,
    UCUM,
)

CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
OBSERVATION_STATUSES = {"final", "amended", "corrected", "preliminary"}
APPOINTMENT_STATUSES = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
}
CONTENT_TYPES = {uploads.PDF, uploads.PNG, uploads.JPEG}
DEFAULT_MAX_ATTACHMENT = 5 * 1024 * 1024


def _models():
    return {
        "Observation": observation.Observation,
        "DocumentReference": documentreference.DocumentReference,
        "Appointment": appointment.Appointment,
    }


def _iso(value: datetime) -> str:
    # Every datetime the models return is UTC already (ens_core.db.UTCDateTime): format it
    # naive and add the Z, without a conversion and a search-and-replace (a search page
    # formats twenty of them).
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def meta(record, source_uri: str | None) -> dict:
    data = {"versionId": str(record.version), "lastUpdated": _iso(record.updated_at)}
    if source_uri:
        data["source"] = source_uri
    return data


def source_uri(service_slug: str | None, client_id: str | None, person: bool = False) -> str:
    """``meta.source``: the service (and client) that wrote the record."""
    if service_slug:
        uri = f"urn:ens:service:{service_slug}"
        return f"{uri}:client:{client_id}" if client_id else uri
    return "urn:ens:health-space"


def patient_ref(patient_id: str) -> dict:
    return {"reference": f"Patient/{patient_id}"}


# --- to FHIR -----------------------------------------------------------------------------


def _quantity(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def observation_to_fhir(m, patient_id: str, source: str | None) -> dict:
    measure = BY_CODE[m.code]
    category = "activity" if measure.key == "steps" else "vital-signs"
    if measure.key in ("glucose",):
        category = "laboratory"
    resource = {
        "resourceType": "Observation",
        "id": m.public_id,
        "meta": meta(m, source),
        "status": m.status,
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}],
        "code": {
            "coding": [{"system": LOINC, "code": m.code, "display": measure.display}],
            "text": measure.display,
        },
        "subject": patient_ref(patient_id),
        "effectiveDateTime": _iso(m.effective_at),
    }
    if measure.components:
        resource["component"] = [
            {
                "code": {"coding": [{"system": LOINC, "code": BP_SYSTOLIC}]},
                "valueQuantity": _quantity(m.value, m.unit),
            },
            {
                "code": {"coding": [{"system": LOINC, "code": BP_DIASTOLIC}]},
                "valueQuantity": _quantity(m.value2, m.unit),
            },
        ]
    else:
        resource["valueQuantity"] = _quantity(m.value, m.unit)
    if m.note:
        resource["note"] = [{"text": m.note}]
    return resource


def document_to_fhir(doc, patient_id: str, source: str | None, base_url: str) -> dict:
    resource = {
        "resourceType": "DocumentReference",
        "id": doc.public_id,
        "meta": meta(doc, source),
        "status": doc.status,
        "type": {
            "coding": [
                {
                    "system": LOINC,
                    "code": doc.type_code,
                    "display": str(DOCUMENT_TYPES.get(doc.type_code, "")),
                }
            ]
        },
        "subject": patient_ref(patient_id),
        "date": _iso(doc.date),
        "description": doc.title,
        "content": [
            {
                "attachment": {
                    "contentType": doc.binary.content_type,
                    "url": f"{base_url}/Binary/{doc.binary.public_id}",
                    "size": doc.binary.size,
                    "hash": base64.b64encode(bytes.fromhex(doc.binary.sha256)).decode(),
                    "title": doc.title,
                }
            }
        ],
    }
    # The SHA-1 ``hash`` of FHIR is not SHA-256: keep only what is true.
    resource["content"][0]["attachment"].pop("hash")
    return resource


def appointment_to_fhir(appt, patient_id: str, source: str | None) -> dict:
    participants = [
        {"actor": {**patient_ref(patient_id)}, "status": "accepted", "required": "required"}
    ]
    if appt.practitioner:
        participants.append({"actor": {"display": appt.practitioner}, "status": "accepted"})
    if appt.location:
        participants.append(
            {"actor": {"display": appt.location, "type": "Location"}, "status": "accepted"}
        )
    resource = {
        "resourceType": "Appointment",
        "id": appt.public_id,
        "meta": meta(appt, source),
        "status": appt.status,
        "description": appt.description,
        "start": _iso(appt.start),
        "end": _iso(appt.end),
        "participant": participants,
    }
    if appt.cancelation_reason:
        resource["cancelationReason"] = {"text": appt.cancelation_reason}
    return resource


def patient_to_fhir(user, patient_id: str) -> dict:
    parts = (user.name or "").strip().split()
    name = {"text": user.name, "use": "official"}
    if len(parts) > 1:
        name["family"] = parts[-1]
        name["given"] = parts[:-1]
    resource = {
        "resourceType": "Patient",
        "id": patient_id,
        "meta": {"lastUpdated": _iso(user.created_at)},
        "active": True,
        "name": [name],
    }
    if user.birth_date:
        resource["birthDate"] = user.birth_date.isoformat()
    return resource


# --- from FHIR ---------------------------------------------------------------------------


def _path(resource_type: str, loc: tuple) -> str:
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).startswith("function-") or "[" in str(part):
            continue
        else:
            path += f".{part}"
    return path


def validate_structure(payload, resource_type: str, prefix: str | None = None):
    """Parse with fhir.resources; 400 OperationOutcome naming each element at fault."""
    where = prefix or resource_type
    if not isinstance(payload, dict):
        raise FhirError(400, "The body must be a JSON object (a FHIR resource).", expression=where)
    if payload.get("resourceType") != resource_type:
        raise FhirError(
            400,
            f"Expected resourceType {resource_type}, got {payload.get('resourceType')!r}.",
            expression=f"{where}.resourceType",
        )
    model = _models()[resource_type]
    edge.check_types(payload, model, where)
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as error:
        problems = []
        for item in error.errors()[:20]:
            path = _path(where, item.get("loc", ()))
            problems.append((path, f"{path}: {item.get('msg')}"))
        raise FhirErrors(400, problems or [(where, "Invalid resource.")]) from None
    except (ValueError, TypeError) as error:
        raise FhirError(400, f"Invalid {resource_type}: {error}", expression=where) from None


def _check_subject(reference: str | None, patient_id: str, path: str) -> None:
    if not reference:
        raise FhirError(422, f"{path} is required (Patient/{{id}}).", expression=path)
    if reference.split("/")[-2:] != ["Patient", patient_id]:
        raise FhirError(
            403,
            "The resource refers to another patient than the one of the access token.",
            expression=path,
        )


def _as_datetime(value, path: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise FhirError(422, f"{path} must carry a time zone.", expression=path)
        return edge.to_utc(value, path)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str):  # partial dates (YYYY, YYYY-MM) are too vague here
        raise FhirError(422, f"{path} must be a full date or date-time.", expression=path)
    raise FhirError(422, f"{path} is required.", expression=path)


def _not_future(value: datetime, path: str) -> None:
    if value > utcnow() + timedelta(hours=1):
        raise FhirError(422, f"{path} is in the future.", expression=path)


def _loinc(codeable, path: str) -> str | None:
    for coding in getattr(codeable, "coding", None) or []:
        if coding.system == LOINC and coding.code:
            return coding.code
    return None


def _quantity_value(q, expected_unit: str, measure, path: str) -> float:
    if q is None or q.value is None:
        raise FhirError(422, f"{path}.value is required.", expression=f"{path}.value")
    if q.system is not None and q.system != UCUM:
        raise FhirError(422, f"{path}.system must be {UCUM}.", expression=f"{path}.system")
    unit = q.code or q.unit
    if unit != expected_unit:
        raise FhirError(
            422,
            f"{path}: unit {unit!r} is not allowed for {measure.display}; use UCUM {expected_unit!r}.",
            expression=f"{path}.code",
        )
    value = float(q.value)
    if not measure.minimum <= value <= measure.maximum:
        raise FhirError(
            422,
            f"{path}.value {value:g} {expected_unit} is outside the plausible range "
            f"[{measure.minimum:g}, {measure.maximum:g}].",
            expression=f"{path}.value",
        )
    return value


def parse_observation(payload, patient_id: str, prefix: str = "Observation") -> dict:
    """A measure of the national measures guide: status, LOINC code, subject, date, then
    its value(s) in the measure's UCUM unit."""
    obs = validate_structure(payload, "Observation", prefix)
    if obs.status not in OBSERVATION_STATUSES:
        raise FhirError(
            422,
            f"{prefix}.status must be one of {', '.join(sorted(OBSERVATION_STATUSES))}.",
            expression=f"{prefix}.status",
        )
    code = _loinc(obs.code, f"{prefix}.code")
    if code not in BY_CODE:
        raise FhirError(
            422,
            f"{prefix}.code: a LOINC code of the measures guide is required "
            f"({', '.join(sorted(BY_CODE))}).",
            expression=f"{prefix}.code",
        )
    measure = BY_CODE[code]
    unit = measure.codes[code]
    _check_subject(obs.subject.reference if obs.subject else None, patient_id, f"{prefix}.subject")
    if obs.effectiveDateTime is None:
        raise FhirError(
            422,
            f"{prefix}.effectiveDateTime is required.",
            expression=f"{prefix}.effectiveDateTime",
        )
    effective = _as_datetime(obs.effectiveDateTime, f"{prefix}.effectiveDateTime")
    _not_future(effective, f"{prefix}.effectiveDateTime")
    data = {"code": code, "unit": unit, "effective_at": effective, "status": obs.status}
    if measure.components:
        data["value"], data["value2"] = _blood_pressure(obs, unit, measure, prefix)
    else:
        if obs.component:
            raise FhirError(
                422,
                f"{prefix}.component is only used for blood pressure.",
                expression=f"{prefix}.component",
            )
        data["value"] = _quantity_value(obs.valueQuantity, unit, measure, f"{prefix}.valueQuantity")
    if obs.note:
        data["note"] = "\n".join(n.text for n in obs.note if n.text)[:2000] or None
    return data


def _blood_pressure(obs, unit: str, measure, prefix: str) -> tuple[float, float]:
    """(systolic, diastolic) from the two components of a blood-pressure Observation."""
    if obs.valueQuantity is not None:
        raise FhirError(
            422,
            f"{prefix}.valueQuantity: blood pressure goes in two components.",
            expression=f"{prefix}.valueQuantity",
        )
    found = {}
    for i, component in enumerate(obs.component or []):
        ccode = _loinc(component.code, f"{prefix}.component[{i}].code")
        if ccode not in measure.components:
            raise FhirError(
                422,
                f"{prefix}.component[{i}].code must be {BP_SYSTOLIC} or {BP_DIASTOLIC}.",
                expression=f"{prefix}.component[{i}].code",
            )
        found[ccode] = _quantity_value(
            component.valueQuantity, unit, measure, f"{prefix}.component[{i}].valueQuantity"
        )
    for needed in measure.components:
        if needed not in found:
            raise FhirError(
                422,
                f"{prefix}.component: the {needed} component is required.",
                expression=f"{prefix}.component",
            )
    if found[BP_SYSTOLIC] <= found[BP_DIASTOLIC]:
        raise FhirError(
            422,
            f"{prefix}.component: systolic must be higher than diastolic.",
            expression=f"{prefix}.component",
        )
    return found[BP_SYSTOLIC], found[BP_DIASTOLIC]


def max_attachment_bytes() -> int:
    return int(current_app.config.get("ENS_FHIR_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT))


def check_content(content: bytes, content_type: str, path: str) -> None:
    if content_type not in CONTENT_TYPES:
        raise FhirError(
            422,
            f"{path}.contentType must be one of {', '.join(sorted(CONTENT_TYPES))}.",
            expression=f"{path}.contentType",
        )
    if not content:
        raise FhirError(422, f"{path}.data is empty.", expression=f"{path}.data")
    if len(content) > max_attachment_bytes():
        raise FhirError(
            413,
            f"{path}.data is larger than {max_attachment_bytes() // 1024} KiB.",
            expression=f"{path}.data",
        )
    if not uploads.matches(content, content_type):
        raise FhirError(
            422,
            f"{path}.data is not a {content_type} file (its content does not match).",
            expression=f"{path}.data",
        )


def parse_document(
    payload, patient_id: str, find_binary, prefix: str = "DocumentReference"
) -> dict:
    doc = validate_structure(payload, "DocumentReference", prefix)
    if doc.status != "current":
        raise FhirError(422, f"{prefix}.status must be current.", expression=f"{prefix}.status")
    type_code = _loinc(doc.type, f"{prefix}.type")
    if type_code not in DOCUMENT_TYPES:
        raise FhirError(
            422,
            f"{prefix}.type: a LOINC document type is required ({', '.join(sorted(DOCUMENT_TYPES))}).",
            expression=f"{prefix}.type",
        )
    _check_subject(doc.subject.reference if doc.subject else None, patient_id, f"{prefix}.subject")
    if len(doc.content) != 1:
        raise FhirError(
            422,
            f"{prefix}.content must hold exactly one attachment.",
            expression=f"{prefix}.content",
        )
    att = doc.content[0].attachment
    path = f"{prefix}.content[0].attachment"
    title = (att.title or doc.description or "").strip()
    if not title:
        raise FhirError(
            422, f"{path}.title (or {prefix}.description) is required.", expression=f"{path}.title"
        )
    when = _as_datetime(doc.date, f"{prefix}.date") if doc.date else utcnow()
    data = {
        "type_code": type_code,
        "title": title[:300],
        "description": doc.description if doc.description and doc.description != title else None,
        "date": when,
        "status": "current",
        "content_type": att.contentType,
    }
    if att.data is not None:
        data["content"] = _inline_content(att, path)
    elif att.url:
        data["binary"] = _referenced_binary(att, path, find_binary)
    else:
        raise FhirError(422, f"{path}.data or {path}.url is required.", expression=f"{path}.data")
    return data


def _inline_content(att, path: str) -> bytes:
    """The attachment's own data, checked (type by content, size)."""
    # fhir.resources decodes base64Binary values to bytes.
    content = bytes(att.data) if isinstance(att.data, bytes | bytearray) else None
    if content is None:
        try:
            content = base64.b64decode(str(att.data), validate=True)
        except (binascii.Error, ValueError):
            raise FhirError(400, f"{path}.data is not base64.", expression=f"{path}.data") from None
    check_content(content, att.contentType, path)
    return content


def _referenced_binary(att, path: str, find_binary):
    """The patient's Binary the attachment points to (uploaded first, ``Binary/{id}``)."""
    binary = find_binary(att.url.rstrip("/").split("/")[-1])
    if binary is None or "Binary/" not in att.url:
        raise FhirError(
            422,
            f"{path}.url does not point to a Binary of this patient.",
            expression=f"{path}.url",
        )
    if binary.content_type != att.contentType:
        raise FhirError(
            422,
            f"{path}.contentType differs from the Binary's.",
            expression=f"{path}.contentType",
        )
    return binary


def parse_appointment(payload, patient_id: str, prefix: str = "Appointment") -> dict:
    appt = validate_structure(payload, "Appointment", prefix)
    if appt.status not in APPOINTMENT_STATUSES:
        raise FhirError(422, f"{prefix}.status is not allowed.", expression=f"{prefix}.status")
    if not appt.start or not appt.end:
        raise FhirError(
            422, f"{prefix}.start and {prefix}.end are required.", expression=f"{prefix}.start"
        )
    start = _as_datetime(appt.start, f"{prefix}.start")
    end = _as_datetime(appt.end, f"{prefix}.end")
    if end <= start:
        raise FhirError(
            422, f"{prefix}.end must be after {prefix}.start.", expression=f"{prefix}.end"
        )
    if not (appt.description or "").strip():
        raise FhirError(
            422, f"{prefix}.description is required.", expression=f"{prefix}.description"
        )
    patient_found = False
    practitioner = location = None
    for i, participant in enumerate(appt.participant or []):
        actor = participant.actor
        if actor is None:
            continue
        ref = actor.reference or ""
        if ref.startswith("Patient/") or "/Patient/" in ref:
            _check_subject(ref, patient_id, f"{prefix}.participant[{i}].actor")
            patient_found = True
        elif ref.startswith("Location/") or actor.type == "Location":
            location = actor.display or location
        else:
            practitioner = actor.display or practitioner
    if not patient_found:
        raise FhirError(
            422,
            f"{prefix}.participant must include the patient (Patient/{{id}}).",
            expression=f"{prefix}.participant",
        )
    reason = appt.cancelationReason.text if appt.cancelationReason else None
    return {
        "status": appt.status,
        "description": appt.description.strip()[:500],
        "start": start,
        "end": end,
        "practitioner": (practitioner or None) and practitioner[:200],
        "location": (location or None) and location[:300],
        "cancelation_reason": reason,
    }
