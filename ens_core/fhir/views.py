"""HTTP layer of the FHIR API: parse the request, call ``ens_core.fhir.services``, answer
FHIR JSON. The transaction boundary commits the data and its access-log entry together, or
rolls a refusal back and keeps only its log entry. Every /fhir call writes (its log entry),
reads included: reads and searches write it last (:func:`writes_last`: on SQLite the
write lock is taken for the entry only), a Binary read begins as a writer (:func:`writes`). Errors of any kind under /fhir are
OperationOutcomes."""

from __future__ import annotations

import base64
import binascii
import logging

from fhir.resources.R4B.binary import Binary as BinaryModel
from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from ens_core.boundary import record_even_if_refused, writes, writes_last
from ens_core.fhir import edge, services
from ens_core.fhir.access import AUTHORIZATION, CALLS, AccessContext, require_scope
from ens_core.fhir.capability import capability_statement
from ens_core.fhir.errors import FhirError, error_response, fhir_response, operation_outcome
from ens_core.health.access_log import record_access
from ens_core.web.errors import log_unexpected

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
log = logging.getLogger("ens.fhir")

RESOURCE_TYPES = ("Observation", "DocumentReference", "Appointment")


def _caller() -> AccessContext:
    return g.authz


def _body():
    if request.mimetype not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "Send the resource as application/fhir+json.", code="not-supported")
    return edge.parse_json(request.get_data())


def _run(operation):
    """Run a FHIR interaction and answer it: its result, or the refusal (whose log entry
    the service recorded to survive the rollback)."""
    try:
        result = operation()
    except FhirError as error:
        return error_response(error)
    return fhir_response(result.body, result.status, result.headers)


def _check_type(resource_type: str) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise FhirError(
            404, f"Resource type {resource_type} is not served here.", code="not-supported"
        )


@bp.before_request
def check_edge():
    form = request.form if request.endpoint == "fhir.search_post" else None
    edge.check_request(request.view_args, request.args, form)


@bp.get("/metadata")
def metadata():
    return fhir_response(capability_statement(current_app.config["ENS_ISSUER"].rstrip("/")))


def _protected(resource_type: str, interaction: str, view):
    return require_scope(resource_type, interaction)(view)


def _dispatch(resource_type: str, interaction: str, func):
    """Wrap ``func`` with the protector for ``resource_type`` decided at request time."""
    _check_type(resource_type)
    return _protected(resource_type, interaction, func)()


@bp.get("/<resource_type>")
@writes_last
def search_type(resource_type):
    return _dispatch(
        resource_type,
        "search",
        lambda: _run(lambda: services.search_resources(_caller(), resource_type, request.args)),
    )


@bp.post("/<resource_type>/_search")
def search_post(resource_type):
    args = request.form.copy()
    args.update(request.args)
    return _dispatch(
        resource_type,
        "search",
        lambda: _run(lambda: services.search_resources(_caller(), resource_type, args)),
    )


@bp.get("/<resource_type>/<resource_id>")
@writes_last
def read(resource_type, resource_id):
    return _dispatch(
        resource_type,
        "read",
        lambda: _run(lambda: services.read(_caller(), resource_type, resource_id)),
    )


@bp.post("/<resource_type>")
def create(resource_type):
    return _dispatch(
        resource_type,
        "create",
        lambda: _run(lambda: services.create(_caller(), resource_type, _body())),
    )


@bp.put("/<resource_type>/<resource_id>")
def update(resource_type, resource_id):
    return _dispatch(
        resource_type,
        "update",
        lambda: _run(
            lambda: services.update(
                _caller(), resource_type, resource_id, _body(), request.headers.get("If-Match")
            )
        ),
    )


@bp.get("/Patient/<patient_id>")
@writes_last
@require_scope("Patient", "read")
def read_patient(patient_id):
    return _run(lambda: services.read_patient(_caller(), patient_id))


@bp.get("/Binary/<binary_id>")
@writes
@require_scope("DocumentReference", "read")
def read_binary(binary_id):
    try:
        _result, binary = services.read_binary(_caller(), binary_id)
    except FhirError as error:
        return error_response(error)
    content = binary.data
    content_type = binary.content_type
    if request.accept_mimetypes.best in ("application/fhir+json", "application/json"):
        return fhir_response(
            {
                "resourceType": "Binary",
                "id": binary.public_id,
                "contentType": content_type,
                "data": base64.b64encode(content).decode(),
            }
        )
    response = current_app.response_class(content, mimetype=content_type)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "attachment"
    return response


@bp.post("/Binary")
@require_scope("DocumentReference", "create")
def create_binary():
    def operation():
        if request.mimetype in ("application/fhir+json", "application/json"):
            body = _body()
            if not isinstance(body, dict) or body.get("resourceType") != "Binary":
                raise FhirError(400, "Expected a Binary resource.", expression="Binary")
            edge.check_types(body, BinaryModel, "Binary")
            try:
                content = base64.b64decode(body.get("data") or "", validate=True)
            except (binascii.Error, ValueError):
                raise FhirError(
                    400, "Binary.data is not base64.", expression="Binary.data"
                ) from None
            return services.create_binary(_caller(), body.get("contentType") or "", content)
        return services.create_binary(_caller(), request.mimetype, request.get_data())

    return _run(operation)


@bp.post("")
@bp.post("/")
@require_scope("Observation", "create")
def transaction():
    return _run(lambda: services.transaction(_caller(), _body()))


# --- refused calls ----------------------------------------------------------------------

_INTERACTION_OF = {
    "fhir.search_type": "search",
    "fhir.search_post": "search",
    "fhir.read": "read",
    "fhir.read_patient": "read",
    "fhir.read_binary": "read",
    "fhir.create": "create",
    "fhir.create_binary": "create",
    "fhir.update": "update",
    "fhir.transaction": "transaction",
}


@bp.after_request
def observe_call(response):
    """Let the call observer (sandbox conformance runs) see every protected call."""
    if request.endpoint not in _INTERACTION_OF:
        return response
    return CALLS.get().observe(response, g.get("authz"))


@bp.after_request
def log_refused_call(response):
    """A call the resource protector refused (revoked consent, missing scope, suspended
    service) is still a failed attempt on a citizen's data: log it in their chain when the
    token identifies them (a valid signature is required; a forged token says nothing)."""
    if response.status_code not in (401, 403) or g.get("authz") is not None:
        return response
    if request.endpoint not in _INTERACTION_OF or not request.headers.get("Authorization"):
        return response
    try:
        # The boundary rolls the refused request back; this entry survives it.
        record_even_if_refused(lambda: _record_refusal(response))
    except Exception:
        log.debug("refused FHIR call not attributable", exc_info=True)
    return response


def _record_refusal(response) -> None:
    caller = AUTHORIZATION.get().refused_caller()
    if caller is None:
        return
    body = response.get_json(silent=True) or {}
    detail = ((body.get("issue") or [{}])[0]).get("diagnostics")
    view_args = request.view_args or {}
    rtype = view_args.get("resource_type") or (
        "Patient"
        if request.endpoint == "fhir.read_patient"
        else "Binary"
        if request.endpoint == "fhir.read_binary"
        else "Bundle"
    )
    rid = view_args.get("resource_id") or view_args.get("patient_id") or view_args.get("binary_id")
    record_access(
        caller.citizen_id,
        interaction=_INTERACTION_OF[request.endpoint],
        resource_type=rtype,
        resource_ids=[rid] if rid else [],
        outcome="denied",
        status_code=response.status_code,
        service=caller.service,
        client=caller.client,
        detail=detail,
        ip=request.remote_addr,
    )


# --- errors ------------------------------------------------------------------------------


def fhir_http_error(error: HTTPException):
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(
        FhirError(error.code or 500, error.description or error.name, headers=headers)
    )


def fhir_unexpected_error(error: Exception):
    rid = log_unexpected(error, "the FHIR API")
    diagnostics = f"Unexpected server error (request id {rid})."
    return fhir_response(
        operation_outcome([{"severity": "fatal", "code": "exception", "diagnostics": diagnostics}]),
        500,
    )


@bp.errorhandler(FhirError)
def handle_fhir_error(error: FhirError):
    return error_response(error)


bp.register_error_handler(HTTPException, fhir_http_error)
