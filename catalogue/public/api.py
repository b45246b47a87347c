"""The catalogue's JSON API (flask-smorest), documented at /api/openapi.json.

flask-smorest registers an app-wide HTTPException handler by default; ``EnsApi`` leaves
the app's own handlers in place (HTML pages for people, JSON problems under /api/) and
the API blueprint turns validation errors (422) into JSON problems with the field
messages. No documentation UI is served (it would load scripts from a CDN).

Other packages may document their own JSON endpoints on the same document:
``from catalogue.public.api import api; api.register_blueprint(their_blueprint)``.
"""

from __future__ import annotations

import http
import json

from flask import Flask, jsonify
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound, UnprocessableEntity

from catalogue.models import Service
from catalogue.public.schemas import (
    ApiSearchSchema,
    PaginationSchema,
    ProblemSchema,
    ServiceDetailSchema,
    ServiceSummarySchema,
    public_detail,
    public_summary,
)
from catalogue.public.search import PUBLIC_STATUSES, SearchCriteria, search_services
from ens_core.db import db

PROBLEM_JSON = "application/problem+json"
PAGINATION_HEADER = {
    "description": "Pagination metadata: a JSON object.",
    "content": {"application/json": {"schema": PaginationSchema}},
}


class EnsApi(Api):
    """flask-smorest's Api, documenting errors as they are sent: problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Keep the app's error handlers (see the module doc)."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


api = EnsApi()

blp = Blueprint(
    "catalogue_api",
    __name__,
    url_prefix="/api/catalogue",
    description="Catalogue public des services numériques de santé référencés.",
)


def _problem(status: int, title: str, detail: str, **extra):
    response = jsonify(type="about:blank", title=title, status=status, detail=detail, **extra)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


@blp.errorhandler(UnprocessableEntity)
def _invalid(error):
    messages = (getattr(error, "data", None) or {}).get("messages", {})
    # webargs groups messages by location ("query"); clients want the fields.
    fields = messages.get("query", messages) if isinstance(messages, dict) else messages
    return _problem(422, "Unprocessable Entity", "Invalid query parameters.", errors=fields)


@blp.route("/services")
class ServiceList(MethodView):
    @blp.arguments(ApiSearchSchema, location="query", as_kwargs=True)
    @blp.response(200, ServiceSummarySchema(many=True), headers={"X-Pagination": PAGINATION_HEADER})
    @blp.alt_response(
        422,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="Invalid query parameters (each field's messages).",
    )
    def get(self, page, page_size, **filters):
        """Search the catalogue.

        Referenced and suspended services matching the keyword (name, editor,
        descriptions, categories; accent- and case-insensitive) and the filters. Page
        pagination: `page` (1 to 100000), `page_size` (at most 100); totals in the
        `X-Pagination` header, a JSON object.
        """
        results = search_services(SearchCriteria(**filters, page=page, per_page=page_size))
        meta = blp._make_pagination_metadata(page, page_size, results.total)
        items = [public_summary(s) for s in results.items]
        return items, 200, {"X-Pagination": json.dumps(meta)}


@blp.route("/services/<slug>")
class ServiceItem(MethodView):
    @blp.response(200, ServiceDetailSchema)
    @blp.alt_response(
        404,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="No listed service has this slug.",
    )
    def get(self, slug):
        """One service's public listing (referenced or suspended)."""
        service = db.session.scalar(
            select(Service)
            .where(Service.slug == slug, Service.status.in_(PUBLIC_STATUSES))
            .options(selectinload(Service.organisation), selectinload(Service.data_uses))
        )
        if service is None:
            raise NotFound("No listed service has this slug.")
        return public_detail(service)


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "ENS Store")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Public, read-only API of the ENS Store catalogue. "
                "Open data: /opendata/services.csv and /opendata/decisions.atom."
            }
        },
    )
    api.init_app(app)
    api.register_blueprint(blp)
