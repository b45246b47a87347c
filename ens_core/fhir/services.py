"""The FHIR interactions as plain functions of an :class:`AccessContext` (the connected
service and the citizen behind its token): read, search, create, update, transaction.
Views only translate HTTP; tests call these directly.

Every call appends one entry to the citizen's access log, in the same transaction as the
data it serves or writes; a refused call is logged too: the boundary rolls its changes
back and keeps its entry (``record_even_if_refused``).

Hidden data: a *read* of a record whose data type (or document) the citizen hid answers
403 naming the missing consent; a *search* leaves hidden records out (the Bundle total
counts only what the service may see).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from ens_core.boundary import record_even_if_refused
from ens_core.db import db
from ens_core.fhir import edge, mapping, search
from ens_core.fhir.access import AccessContext, base_url
from ens_core.fhir.errors import FhirError
from ens_core.fhir.sources import source_key, source_uris
from ens_core.health import access_log
from ens_core.health import services as health
from ens_core.health.access_log import record_access
from ens_core.health.datatypes import BY_CODE, HIDEABLE_TYPES, LOINC
from ens_core.health.models import Appointment, Binary, Document, Measurement
from ens_core.health.services import ObservationRow
from ens_core.scopes import INTERACTION_LETTERS

MODELS = {"Observation": Measurement, "DocumentReference": Document, "Appointment": Appointment}


@dataclass
class Result:
    status: int
    body: dict
    ids: list[str] = field(default_factory=list)
    headers: dict = field(default_factory=dict)


def perform(
    caller: AccessContext,
    interaction: str,
    resource_type: str,
    operation: Callable[[], Result],
    resource_id: str | None = None,
) -> Result:
    """Run ``operation`` and log it; on refusal log the failure and raise the FhirError
    for the view to answer. The boundary then rolls back whatever the operation wrote;
    the refusal's entry survives that rollback: a refused attempt on a citizen's data is
    an access the citizen must see."""
    try:
        result = operation()
    except FhirError as error:
        refusal = partial(
            record_access,
            caller.citizen,
            resource_ids=[resource_id] if resource_id else [],
            status_code=error.status,
            outcome=error.outcome,
            detail=error.diagnostics,
            **_log_values(caller, interaction, resource_type),
        )
        record_even_if_refused(refusal)
        raise
    log_success(caller, interaction, resource_type, result)
    return result


def _log_values(caller: AccessContext, interaction: str, resource_type: str) -> dict:
    return {
        "interaction": interaction,
        "resource_type": resource_type,
        "service": caller.service,
        "client": caller.client,
        "actor": caller.acting_for,
        "ip": caller.ip,
    }


def success_entry(
    caller: AccessContext, interaction: str, resource_type: str, result: Result, head=None
) -> access_log.PendingEntry:
    """The access-log entry of an answered call, not written yet; ``head``: the citizen's
    chain head, when the call read it (``access_log.head_columns``)."""
    return access_log.new_entry(
        caller.citizen,
        resource_ids=result.ids,
        status_code=result.status,
        outcome="success",
        head=head,
        **_log_values(caller, interaction, resource_type),
    )


def log_success(caller: AccessContext, interaction: str, resource_type: str, result: Result):
    """Write the access-log entry of an answered call (in the caller's transaction)."""
    access_log.write_entry(success_entry(caller, interaction, resource_type, result))


def to_fhir(caller: AccessContext, record, sources: dict | None = None) -> dict:
    """``record`` as a FHIR resource; ``sources``: :func:`source_uris` of a batch."""
    source = (sources or source_uris([record], caller))[source_key(record)]
    if isinstance(record, Measurement | ObservationRow):
        return mapping.observation_to_fhir(record, caller.patient_id, source)
    if isinstance(record, Document):
        return mapping.document_to_fhir(record, caller.patient_id, source, base_url())
    return mapping.appointment_to_fhir(record, caller.patient_id, source)


def _hidden_reason(caller: AccessContext, record) -> FhirError | None:
    visible, reason = caller.visibility.can_see(record)
    if visible:
        return None
    if reason and reason.startswith("hidden-type:"):
        data_type = reason.split(":", 1)[1]
        return FhirError(
            403,
            f"Consent missing: the citizen has hidden the data type '{data_type}' "
            f"({HIDEABLE_TYPES[data_type]}) from connected services.",
            code="forbidden",
        )
    if reason == "hidden-document":
        return FhirError(
            403,
            "Consent missing: the citizen has hidden this document from connected services.",
        )
    return FhirError(404, "Resource not found.")  # hidden from the guardian: never revealed


def _load(caller: AccessContext, resource_type: str, resource_id: str):
    record = health.get_owned(MODELS[resource_type], caller.citizen, resource_id)
    if record is None:
        raise FhirError(404, f"{resource_type}/{resource_id} not found.")
    return record


def _require(caller: AccessContext, resource_type: str, interaction: str) -> None:
    if not caller.allows(resource_type, interaction):
        letter = INTERACTION_LETTERS[interaction]
        raise FhirError(
            403,
            f"Consent missing: the token has no scope patient/{resource_type}.{letter} "
            f"for this {interaction}.",
        )


def check_patient_param(caller: AccessContext, args) -> None:
    for value in args.getlist("patient") + args.getlist("subject"):
        pid = value.split("/")[-1]
        if pid != caller.patient_id:
            raise FhirError(
                403,
                "A service may only search the patient of its own access token.",
                expression="patient",
            )


# --- read --------------------------------------------------------------------------------


def read_result(caller: AccessContext, record) -> Result:
    """The answer to the read of ``record`` (an ORM record or an ``ObservationRow``)."""
    return Result(
        200, to_fhir(caller, record), [record.public_id], {"ETag": f'W/"{record.version}"'}
    )


def read(caller: AccessContext, resource_type: str, resource_id: str) -> Result:
    def op():
        _require(caller, resource_type, "read")
        record = _load(caller, resource_type, resource_id)
        hidden = _hidden_reason(caller, record)
        if hidden:
            raise hidden
        return read_result(caller, record)

    return perform(caller, "read", resource_type, op, resource_id)


def read_patient(caller: AccessContext, patient_id: str) -> Result:
    def op():
        _require(caller, "Patient", "read")
        if patient_id != caller.patient_id:
            raise FhirError(404, f"Patient/{patient_id} not found.")
        return Result(200, mapping.patient_to_fhir(caller.citizen, caller.patient_id), [patient_id])

    return perform(caller, "read", "Patient", op, patient_id)


def read_binary(caller: AccessContext, binary_id: str) -> tuple[Result, Binary]:
    holder = {}

    def op():
        _require(caller, "DocumentReference", "read")
        binary = db.session.scalar(
            select(Binary).where(
                Binary.public_id == binary_id, Binary.citizen_id == caller.citizen.id
            )
        )
        if binary is None:
            raise FhirError(404, f"Binary/{binary_id} not found.")
        docs = list(db.session.scalars(select(Document).where(Document.binary_id == binary.id)))
        if docs:
            for doc in docs:
                hidden = _hidden_reason(caller, doc)
                if hidden:
                    raise hidden
        holder["binary"] = binary
        return Result(200, {}, [binary.public_id])

    result = perform(caller, "read", "Binary", op, binary_id)
    return result, holder["binary"]


def create_binary(caller: AccessContext, content_type: str, content: bytes) -> Result:
    """``POST /fhir/Binary``: upload a document's content first, then refer to it from a
    DocumentReference (``attachment.url = "Binary/{id}"``)."""

    def op():
        _require(caller, "DocumentReference", "create")
        mapping.check_content(content, content_type, "Binary")
        binary = health.store_binary(caller.citizen, content, content_type)
        location = f"{base_url()}/Binary/{binary.public_id}"
        body = {
            "resourceType": "Binary",
            "id": binary.public_id,
            "contentType": content_type,
            "meta": {"source": _source_uri_for(caller)},
        }
        return Result(201, body, [binary.public_id], {"Location": location})

    return perform(caller, "create", "Binary", op)


def _source_uri_for(caller: AccessContext) -> str:
    return mapping.source_uri(caller.service.slug, getattr(caller.client, "client_id", None))


# --- search ------------------------------------------------------------------------------

SEARCH_PARAMS = {
    "Observation": {"patient", "subject", "code", "date", "category"},
    "DocumentReference": {"patient", "subject", "type", "date", "_text"},
    "Appointment": {"patient", "actor", "date", "status"},
}


def search_resources(caller: AccessContext, resource_type: str, args) -> Result:
    def op():
        _require(caller, resource_type, "search")
        search.check_params(args, SEARCH_PARAMS[resource_type])
        check_patient_param(caller, args)
        if resource_type == "Appointment":
            for value in args.getlist("actor"):
                if value.startswith("Patient/") and value.split("/")[-1] != caller.patient_id:
                    raise FhirError(403, "Another patient.", expression="actor")
        count, offset = search.paging(args)
        vis = caller.visibility
        dates = search.date_ranges(args.getlist("date"))
        if resource_type == "Observation":
            codes = search.tokens(args.getlist("code"), LOINC) or None
            page = health.search_measurements(
                vis,
                codes=codes,
                date_ranges=dates,
                newest_first=search.newest_first(args),
                offset=offset,
                count=count,
            )
        elif resource_type == "DocumentReference":
            page = health.search_documents(
                vis,
                type_codes=search.tokens(args.getlist("type"), LOINC) or None,
                date_ranges=dates,
                text=" ".join(args.getlist("_text")) or None,
                offset=offset,
                count=count,
            )
        else:
            page = health.search_appointments(
                vis,
                date_ranges=dates,
                statuses=search.tokens(args.getlist("status")) or None,
                offset=offset,
                count=count,
                newest_first=args.get("_sort") == "-date",
            )
        return searchset_result(caller, resource_type, args, page)

    return perform(caller, "search", resource_type, op)


def searchset_result(caller: AccessContext, resource_type: str, args, page) -> Result:
    """The answer to a search: ``page`` of records (ORM records or ``ObservationRow``)."""
    sources = source_uris(page.items, caller)
    resources = [to_fhir(caller, r, sources) for r in page.items]
    bundle = search.searchset(
        base_url(), resource_type, args, resources, page.total, page.offset, page.count
    )
    return Result(200, bundle, [r["id"] for r in resources])


# --- writes ------------------------------------------------------------------------------


def _find_binary(caller: AccessContext):
    def find(public_id: str):
        return db.session.scalar(
            select(Binary).where(
                Binary.public_id == public_id, Binary.citizen_id == caller.citizen.id
            )
        )

    return find


# The FHIR element each parsed value comes from (for a value too long for its column).
ELEMENTS = {
    "cancelation_reason": "cancelationReason.text",
    "title": "content[0].attachment.title",
    "practitioner": "participant.actor.display",
    "location": "participant.actor.display",
}


def _parse(caller: AccessContext, resource_type: str, payload, prefix: str | None = None) -> dict:
    prefix = prefix or resource_type
    data = _parse_resource(caller, resource_type, payload, prefix)
    edge.check_columns(MODELS[resource_type], data, ELEMENTS, prefix)
    return data


def _parse_resource(caller: AccessContext, resource_type: str, payload, prefix: str) -> dict:
    if resource_type == "Observation":
        data = mapping.parse_observation(payload, caller.patient_id, prefix)
        kind = BY_CODE[data["code"]].key
        if caller.visibility.type_hidden(kind):
            raise FhirError(
                403,
                f"Consent missing: the citizen has hidden the data type '{kind}' from "
                "connected services.",
            )
        return data
    if resource_type == "DocumentReference":
        return mapping.parse_document(payload, caller.patient_id, _find_binary(caller), prefix)
    if resource_type == "Appointment":
        data = mapping.parse_appointment(payload, caller.patient_id, prefix)
        if caller.visibility.type_hidden("appointments"):
            raise FhirError(
                403, "Consent missing: the citizen has hidden appointments from connected services."
            )
        return data
    raise FhirError(400, f"{resource_type} cannot be written here.")


def _create_record(caller: AccessContext, resource_type: str, data: dict):
    first = health.is_first_write(caller.citizen, caller.service)
    if resource_type == "Observation":
        record = health.add_measurement(caller.citizen, data, caller.source)
    elif resource_type == "DocumentReference":
        record = health.add_document(caller.citizen, data, caller.source)
    else:
        record = health.add_appointment(caller.citizen, data, caller.source)
    if first:
        health.notify_first_write(caller.citizen, caller.service)
    return record


def _created(caller: AccessContext, resource_type: str, record) -> Result:
    location = f"{base_url()}/{resource_type}/{record.public_id}/_history/{record.version}"
    return Result(
        201,
        to_fhir(caller, record),
        [record.public_id],
        {"Location": location, "ETag": f'W/"{record.version}"'},
    )


def create(caller: AccessContext, resource_type: str, payload) -> Result:
    def op():
        _require(caller, resource_type, "create")
        data = _parse(caller, resource_type, payload)
        return _created(caller, resource_type, _create_record(caller, resource_type, data))

    return perform(caller, "create", resource_type, op)


def _update_record(caller, resource_type, resource_id, payload, if_match, prefix=None):
    if resource_type not in ("Observation", "Appointment"):
        raise FhirError(405, f"{resource_type} cannot be updated.")
    prefix = prefix or resource_type
    if isinstance(payload, dict) and payload.get("id") not in (None, resource_id):
        raise FhirError(400, f"{prefix}.id differs from the URL.", expression=f"{prefix}.id")
    record = _load(caller, resource_type, resource_id)
    hidden = _hidden_reason(caller, record)
    if hidden:
        raise hidden
    if record.source_service_id != caller.service.id:
        raise FhirError(
            403, "A service may only update the records it wrote itself.", code="forbidden"
        )
    if if_match and if_match.strip() not in (f'W/"{record.version}"', f'"{record.version}"'):
        raise FhirError(412, "The resource changed since it was read (If-Match).", code="conflict")
    data = _parse(caller, resource_type, payload, prefix)
    if resource_type == "Observation":
        health.update_measurement(record, data)
    else:
        health.update_appointment(record, data)
    return record


def update(
    caller: AccessContext,
    resource_type: str,
    resource_id: str,
    payload,
    if_match: str | None = None,
) -> Result:
    def op():
        _require(caller, resource_type, "update")
        record = _update_record(caller, resource_type, resource_id, payload, if_match)
        return Result(
            200, to_fhir(caller, record), [record.public_id], {"ETag": f'W/"{record.version}"'}
        )

    return perform(caller, "update", resource_type, op, resource_id)


MAX_TRANSACTION_ENTRIES = 500


def transaction(caller: AccessContext, bundle) -> Result:
    """A ``transaction`` Bundle: every entry succeeds or nothing is stored."""

    def op():
        entries = _transaction_entries(bundle)
        plan = [_plan_entry(caller, i, entry) for i, entry in enumerate(entries)]
        out, ids = [], []
        for step in plan:
            record = _apply(caller, step)
            ids.append(f"{step.resource_type}/{record.public_id}")
            out.append(_response_entry(caller, step, record))
        return Result(
            200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out}, ids
        )

    return perform(caller, "transaction", "Bundle", op)


def _transaction_entries(bundle) -> list:
    """The entries of a valid transaction Bundle (structure checked by fhir.resources,
    each entry's resource checked later by its own rules)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, "Expected a Bundle.", expression="Bundle")
    if bundle.get("type") != "transaction":
        raise FhirError(400, "Bundle.type must be transaction.", expression="Bundle.type")
    edge.check_types(bundle, Bundle, "Bundle")
    try:
        Bundle.model_validate(
            {
                **bundle,
                "entry": [
                    {k: v for k, v in e.items() if k != "resource"}
                    for e in bundle.get("entry") or []
                    if isinstance(e, dict)
                ],
            }
        )
    except Exception as error:
        raise FhirError(
            400, f"Invalid Bundle: {error}".splitlines()[0], expression="Bundle"
        ) from None
    entries = bundle.get("entry") or []
    if not entries:
        raise FhirError(400, "Bundle.entry is empty.", expression="Bundle.entry")
    if len(entries) > MAX_TRANSACTION_ENTRIES:
        raise FhirError(413, "At most 500 entries per transaction.", expression="Bundle.entry")
    return entries


@dataclass
class _Step:
    """One entry of a transaction, checked and parsed before anything is written."""

    action: str  # create | update
    resource_type: str
    resource_id: str | None
    data: object  # parsed data (create), or (payload, FHIRPath prefix) (update)


def _plan_entry(caller: AccessContext, i: int, entry: dict) -> _Step:
    prefix = f"Bundle.entry[{i}]"
    request = entry.get("request") or {}
    method, url = request.get("method"), (request.get("url") or "").strip("/")
    resource = entry.get("resource")
    rtype = url.split("/")[0].split("?")[0]
    if rtype not in MODELS:
        raise FhirError(
            400,
            f"{prefix}.request.url: {url!r} is not supported.",
            expression=f"{prefix}.request.url",
        )
    if method == "POST" and "/" not in url:
        _require(caller, rtype, "create")
        return _Step("create", rtype, None, _parse(caller, rtype, resource, f"{prefix}.resource"))
    if method == "PUT" and url.count("/") == 1:
        _require(caller, rtype, "update")
        return _Step("update", rtype, url.split("/")[1], (resource, f"{prefix}.resource"))
    raise FhirError(
        400,
        f"{prefix}.request: {method} {url} is not supported in a transaction.",
        expression=f"{prefix}.request",
    )


def _apply(caller: AccessContext, step: _Step):
    if step.action == "create":
        return _create_record(caller, step.resource_type, step.data)
    payload, prefix = step.data
    return _update_record(caller, step.resource_type, step.resource_id, payload, None, prefix)


def _response_entry(caller: AccessContext, step: _Step, record) -> dict:
    rtype = step.resource_type
    return {
        "fullUrl": f"{base_url()}/{rtype}/{record.public_id}",
        "resource": to_fhir(caller, record),
        "response": {
            "status": "201 Created" if step.action == "create" else "200 OK",
            "location": f"{rtype}/{record.public_id}/_history/{record.version}",
            "etag": f'W/"{record.version}"',
        },
    }
