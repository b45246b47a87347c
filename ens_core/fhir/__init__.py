"""The FHIR R4 API at /fhir through which connected services read and write the
citizen's health space (see ``services`` for the rules, ``views`` for HTTP)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException


def _wrap_app_handler(app: Flask, exc_class, fhir_handler) -> None:
    """Errors raised before a /fhir view runs (404 of an unknown path, 405, 413) reach the
    app-wide handlers; those of /fhir answer an OperationOutcome instead."""
    spec = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    original = spec.get(exc_class)

    def handler(error):
        if request.path == "/fhir" or request.path.startswith("/fhir/"):
            return fhir_handler(error)
        if original is not None:
            return original(error)
        if isinstance(error, HTTPException):
            return error
        raise error

    spec[exc_class] = handler


def init_app(app: Flask) -> None:
    from ens_core.extensions import csrf
    from ens_core.fhir import express, views

    csrf.exempt(views.bp)  # bearer-token API: no cookies, no CSRF
    app.register_blueprint(views.bp)
    _wrap_app_handler(app, HTTPException, views.fhir_http_error)
    _wrap_app_handler(app, Exception, views.fhir_unexpected_error)
    express.init_app(app)  # the ordinary read and search, before Flask (see its doc)
