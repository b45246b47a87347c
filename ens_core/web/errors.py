"""Error pages: HTML for people, JSON problems for /api and /oauth clients; and the
request id every answer carries.

Packages with their own error format (the FHIR API answers OperationOutcome) register
blueprint-level handlers, which Flask prefers over these app-wide ones.

**Request id.** Each request has an id: the caller's ``X-Request-ID`` when it is sane (8 to
128 letters, digits, ``.``, ``_``, ``:``, ``-``: a proxy's or a load balancer's), else a new
random one. It is echoed in the ``X-Request-ID`` header of every answer; an unexpected
error is logged with its traceback under that id, and the error page, the problem+json
body and the OperationOutcome show it, so that a person quoting it leads to the log line.
"""

from __future__ import annotations

import os
import re

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ens_core.boundary import roll_back

JSON_PREFIXES = ("/api/",)
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{8,128}")


def request_id() -> str:
    """This request's id (see the module's doc); "-" outside a request."""
    if not has_request_context():
        return "-"
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))
    return rid


def request_id_for(given: str) -> str:
    """The id of a request whose ``X-Request-ID`` header is ``given`` ("" when absent)."""
    # 32 random hex digits, like uuid4().hex, without building a UUID object.
    return given if _SANE_REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def _echo_request_id(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def log_unexpected(error: BaseException, where: str = "") -> str:
    """Log ``error`` with its traceback under this request's id; returns the id."""
    rid = request_id()
    current_app.logger.error(
        "Unexpected error%s: %s %s [request id %s]",
        f" in {where}" if where else "",
        request.method,
        request.path,
        rid,
        exc_info=(type(error), error, error.__traceback__),
    )
    return rid


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(error: HTTPException):
    # The error's own headers (``Allow`` of a 405), not its HTML content type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        response = jsonify(
            type="about:blank",
            title=error.name,
            status=error.code,
            detail=error.description,
            request_id=request_id(),
        )
        response.status_code = error.code
        response.mimetype = "application/problem+json"
        response.headers.extend(headers)
        return response
    return (
        render_template("errors/error.html", error=error, request_id=request_id()),
        error.code,
        headers,
    )


def handle_http_error(error: HTTPException):
    return _render(error)


def handle_csrf_error(error: CSRFError):
    error.description = _(
        "Le formulaire a expiré ou n'a pas été envoyé depuis cette page. "
        "Rechargez la page et recommencez."
    )
    return _render(error)


def handle_unexpected_error(error: Exception):
    roll_back()  # now: rendering the page must not flush what failed
    log_unexpected(error)
    return _render(InternalServerError(original_exception=error))


def init_app(app: Flask) -> None:
    app.after_request(_echo_request_id)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    # In tests an unexpected exception must surface as a failure, not a page (unless a
    # test app asks for the production behaviour with ENS_HANDLE_UNEXPECTED_ERRORS).
    if app.config.get("ENS_HANDLE_UNEXPECTED_ERRORS", not app.testing):
        app.register_error_handler(Exception, handle_unexpected_error)
