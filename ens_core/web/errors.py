"""Error pages: HTML for people, JSON problems for /api and /oauth clients.

Packages with their own error format (the FHIR API answers OperationOutcome) register
blueprint-level handlers, which Flask prefers over these app-wide ones.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ens_core.boundary import roll_back

JSON_PREFIXES = ("/api/",)


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(error: HTTPException):
    # The error's own headers (``Allow`` of a 405), not its HTML content type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        response = jsonify(
            type="about:blank", title=error.name, status=error.code, detail=error.description
        )
        response.status_code = error.code
        response.mimetype = "application/problem+json"
        response.headers.extend(headers)
        return response
    return render_template("errors/error.html", error=error), error.code, headers


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
    return _render(InternalServerError(original_exception=error))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        # In tests an unexpected exception must surface as a failure, not a page.
        app.register_error_handler(Exception, handle_unexpected_error)
