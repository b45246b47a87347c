"""The FHIR API's express lane: the ordinary Observation read and search, without Flask.

Most calls on the API are a connected service reading or searching a citizen's
Observations with a token it used a moment before. Profiled under load (bench/RESULTS-
after.md, "The express lane"), such a read spent three quarters of its time outside the
work it asks for: Flask's request machinery and the app's hooks (session, CSRF, locale,
CORS, request id, security headers, boundary), and ORM objects for the token, grant,
client, citizen, service and record.

This WSGI middleware takes such a call before Flask does and runs **the same checks
through the same functions** on prepared statements: the token's signature and claims
(verified once, then taken from authz's cache of validated claims) and its expiry, the
live check (``authz.protector._check_live_state``, which the full path calls too), the
scope (:meth:`AccessContext.allows`), the data types the citizen hid, the edge rules
(:func:`edge.check_request`), ownership (the record is read by the citizen's id). It
writes the same hash-chained access-log entry (:func:`services.success_entry`) and
commits it before answering, maps with the same mapping (:func:`services.read_result`,
:func:`services.searchset_result`) and answers the same headers.

Whatever is not ordinary it hands to Flask untouched, **before it has written
anything**: any refusal (an invalid or expired token, revoked, suspended service,
missing scope, another citizen's id, a hidden data type), a guardian acting for a minor,
a sandbox client (its calls feed its conformance run), a CORS request, any other method,
resource type or search parameter, and any error — a busy database included, which the
full path then answers 503 after its own lock wait. The full path answers those as it
always did, refusals with their own log entries.

``ENS_FHIR_EXPRESS = False`` turns the lane off (the tests compare both paths).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from flask import Flask
from werkzeug.datastructures import MultiDict

from ens_core.db import DatabaseBusy
from ens_core.fhir import edge, search, services
from ens_core.fhir.access import AUTHORIZATION
from ens_core.fhir.errors import FHIR_JSON, FhirError
from ens_core.health import access_log
from ens_core.health import services as health
from ens_core.health.access_log import ChainHead
from ens_core.health.datatypes import LOINC
from ens_core.prepared import unit_of_work
from ens_core.security import HSTS, SECURITY_HEADERS
from ens_core.web.errors import REQUEST_ID_HEADER, request_id_for

log = logging.getLogger("ens.fhir.express")

RESOURCE_TYPE = "Observation"
_PREFIX = f"/fhir/{RESOURCE_TYPE}"
_READ_PATH = re.compile(rf"{_PREFIX}/([^/]+)\Z")
_SEARCH_PARAMS = services.SEARCH_PARAMS[RESOURCE_TYPE] - {"date", "category"} | {
    "_count",
    "_offset",
    "_sort",
}
# What the full path adds to every such answer (the CORS hook's Vary, Flask's session's).
_VARY = ("Vary", "Origin, Cookie")


@dataclass(frozen=True)
class _Call:
    interaction: str  # "read" or "search"
    bearer: str
    resource_id: str | None
    args: MultiDict


def ordinary_call(environ: dict) -> _Call | None:
    """The call the lane may take, from the request line and headers alone; None for any
    other (the full path serves it)."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_ORIGIN" in environ:
        return None
    scheme, _, bearer = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer or " " in bearer:
        return None
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if path == _PREFIX:
        args = MultiDict(parse_qsl(query, keep_blank_values=True))
        if not set(args) <= _SEARCH_PARAMS or len(args.getlist("code")) > 1:
            return None
        return _Call("search", bearer, None, args)
    match = _READ_PATH.match(path)
    if match is None or query:
        return None
    return _Call("read", bearer, match.group(1), MultiDict())


class ExpressLane:
    """WSGI middleware in front of the Flask app (see the module's doc)."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        call = ordinary_call(environ) if self.app.config["ENS_FHIR_EXPRESS"] else None
        answer = self.serve(call, environ) if call is not None else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def serve(self, call: _Call, environ: dict) -> tuple[list, bytes] | None:
        """The answer's headers and body, its log entry committed; None: hand over (and
        nothing was written)."""
        with self.app.app_context(), unit_of_work() as unit:
            try:
                result = _serve(call, environ, unit)
            except (FhirError, DatabaseBusy):
                result = None  # the full path answers these its own way
            except Exception:
                log.warning("express lane handed a call over after an error", exc_info=True)
                result = None
            if result is None:
                unit.rollback()
                return None
        body = orjson.dumps(result.body, option=orjson.OPT_NON_STR_KEYS)
        return _headers(environ, result.headers, len(body)), body


def _serve(call: _Call, environ: dict, unit) -> services.Result | None:
    """Runs in ``unit`` (:func:`unit_of_work`): reads, then the log entry and the commit —
    or None, having written nothing."""
    authorization = AUTHORIZATION.get()
    if call.interaction == "read":
        # The record is read in the live state's statement, by the token's citizen.
        found = authorization.express(
            call.bearer, health.owned_observation_along, {"public_id": call.resource_id}
        )
    else:
        codes = _codes(call.args)
        if len(codes) > 1:
            return None  # one statement per shape: several codes take the full path
        code = codes[0] if codes else None
        # The citizen's Observations (of the code) are counted in the same statement.
        along = health.COUNTED_OBSERVATIONS[code is not None]
        found = authorization.express(call.bearer, along, {"code": code})
    if found is None:
        return None  # a refusal, or no such record of the citizen's: the full path answers
    caller, alongside = found
    if not caller.allows(RESOURCE_TYPE, call.interaction):
        return None
    caller.ip = environ.get("REMOTE_ADDR")
    edge.check_request({"resource_id": call.resource_id}, call.args)
    if call.interaction == "read":
        owned = health.owned_observation(alongside)
        if owned is None:
            return None  # a citizen who hides a data type: the full path answers
        row, head = owned
        result = services.read_result(caller, row)
    else:
        found = _search(caller, call.args, code, alongside)
        if found is None:
            return None
        result, head = found
    # The entry is linked to the head read with the data, before the write lock: the lock
    # is held for two statements and the commit (access_log.append_entry).
    entry = services.success_entry(caller, call.interaction, RESOURCE_TYPE, result, head)
    unit.become_writer()  # as the full path's writes_last: the write lock is for the entry
    access_log.append_entry(entry)
    unit.commit()
    return result


def _codes(args: MultiDict) -> list[str]:
    """The search's codes; raises FhirError where the full path would."""
    search.check_params(args, services.SEARCH_PARAMS[RESOURCE_TYPE])
    return search.tokens(args.getlist("code"), LOINC)


def _search(
    caller, args: MultiDict, code: str | None, counted: tuple
) -> tuple[services.Result, ChainHead | None] | None:
    """The search the full path runs (:func:`services.search_resources`), for the
    parameters :func:`ordinary_call` lets through, with what was counted along the live
    state (:data:`health.COUNTED_OBSERVATIONS`); raises FhirError where it would."""
    services.check_patient_param(caller, args)
    count, offset = search.paging(args)
    found = health.plain_observation_page(
        caller.citizen.id,
        counted,
        code=code,
        newest_first=search.newest_first(args),
        offset=offset,
        count=count,
    )
    if found is None:
        return None  # the citizen hides a data type: the full path filters it out
    page, head = found
    return services.searchset_result(caller, RESOURCE_TYPE, args, page), head


def _headers(environ: dict, extra: dict, length: int) -> list[tuple[str, str]]:
    """The headers the full path answers a read or search with, in its order."""
    headers = [
        ("Content-Type", FHIR_JSON),
        ("Content-Length", str(length)),
        ("Cache-Control", "no-store"),
        *extra.items(),
        (REQUEST_ID_HEADER, request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))),
        _VARY,
        *SECURITY_HEADERS,
    ]
    if environ.get("wsgi.url_scheme") == "https":
        headers.append(HSTS)
    return headers


def init_app(app: Flask) -> None:
    app.wsgi_app = ExpressLane(app, app.wsgi_app)
