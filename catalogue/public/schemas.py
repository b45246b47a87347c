"""Marshmallow schemas of the public catalogue: search parameters in, public fields out."""

from __future__ import annotations

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from catalogue.models import Audience, Category, Platform, PriceModel, Service, ServiceStatus
from catalogue.public.search import SORTS
from catalogue.public.vocabulary import ECOSCORE_GRADES, RESOURCE_LABELS, scope_access
from catalogue.services import hosting_countries
from ens_core.web.edge import Integer

_RESOURCES = [r for r in RESOURCE_LABELS if r != "*"]


class SearchFiltersSchema(Schema):
    """Keyword, filters and sort (query string of the page and of the API)."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=200))
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    reads = fields.String(validate=validate.OneOf(_RESOURCES))
    writes = fields.String(validate=validate.OneOf(_RESOURCES))
    ecoscore = fields.List(
        fields.String(validate=validate.OneOf(ECOSCORE_GRADES)), load_default=list
    )
    platform = fields.String(validate=validate.OneOf([p.value for p in Platform]))
    price = fields.String(validate=validate.OneOf([p.value for p in PriceModel]))
    audience = fields.String(validate=validate.OneOf([a.value for a in Audience]))
    accessible = fields.Boolean(load_default=False)
    sort = fields.String(validate=validate.OneOf(SORTS))


class SearchPageSchema(SearchFiltersSchema):
    """The HTML page adds its page number; an empty field of the GET form means "any"."""

    page = Integer(load_default=1, validate=validate.Range(min=1, max=100_000))

    @pre_load
    def drop_empty(self, data, **kwargs):
        return {k: v for k, v in data.items() if v not in ("", None, [])}


class ApiSearchSchema(SearchFiltersSchema):
    """The API's query: the filters, then the page (1-based) and its size."""

    page = Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = Integer(load_default=10, validate=validate.Range(min=1, max=100))


class PaginationSchema(Schema):
    """What the ``X-Pagination`` header carries (a JSON object)."""

    total = Integer(metadata={"description": "Total number of services found."})
    total_pages = Integer(metadata={"description": "Total number of pages."})
    first_page = Integer(metadata={"description": "First page number (if any)."})
    last_page = Integer(metadata={"description": "Last page number (if any)."})
    page = Integer(metadata={"description": "This page's number (if it exists)."})
    previous_page = Integer(metadata={"description": "Previous page number."})
    next_page = Integer(metadata={"description": "Next page number."})


class ProblemSchema(Schema):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type = fields.String(metadata={"description": "about:blank"})
    title = fields.String(metadata={"description": "The HTTP status's phrase."})
    status = Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "422: the messages of each invalid query parameter."},
    )
    request_id = fields.String(
        metadata={"description": "This request's id (also in the X-Request-ID header)."}
    )


def query_args(args) -> dict:
    """A werkzeug MultiDict as the schema expects it (lists only where lists belong)."""
    data = {}
    for key in args:
        if key == "ecoscore":
            data[key] = [v for v in args.getlist(key) if v]
        else:
            data[key] = args.get(key)
    return data


# --- public representation -----------------------------------------------------------


class DataUseSchema(Schema):
    scope = fields.String()
    resource = fields.String(allow_none=True)
    reads = fields.Boolean()
    writes = fields.Boolean()
    purpose = fields.String()
    retention_days = Integer()


class EcoscoreSchema(Schema):
    grade = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    details = fields.Dict()


class ServiceSummarySchema(Schema):
    """A service as listed by the search API (public fields only)."""

    slug = fields.String()
    name = fields.String()
    editor = fields.String()
    short_description = fields.String()
    short_description_en = fields.String(allow_none=True)
    categories = fields.List(fields.String())
    platforms = fields.List(fields.String())
    audiences = fields.List(fields.String())
    price_model = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf([s.value for s in ServiceStatus]))
    referenced_at = fields.DateTime(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    ecoscore = fields.Nested(EcoscoreSchema)
    scores = fields.Dict(keys=fields.String(), values=fields.Float())
    url = fields.Url()


class ServiceDetailSchema(ServiceSummarySchema):
    """A service's full public listing."""

    long_description = fields.String()
    long_description_en = fields.String(allow_none=True)
    status_reason = fields.String(allow_none=True)
    website_url = fields.String(allow_none=True)
    privacy_policy_url = fields.String(allow_none=True)
    accessibility_statement_url = fields.String(allow_none=True)
    hosting_countries = fields.List(fields.String())
    data_uses = fields.List(fields.Nested(DataUseSchema))


def public_summary(service: Service) -> dict:
    return {
        "slug": service.slug,
        "name": service.name,
        "editor": service.organisation.legal_name,
        "short_description": service.short_description,
        "short_description_en": service.short_description_en,
        "categories": list(service.categories or []),
        "platforms": list(service.platforms or []),
        "audiences": list(service.audiences or []),
        "price_model": service.price_model,
        "status": service.status.value,
        "referenced_at": service.referenced_at,
        "valid_until": service.valid_until,
        "ecoscore": {
            "grade": service.ecoscore_grade,
            "value": service.ecoscore_value,
            "details": dict(service.ecoscore_details or {}),
        },
        "scores": dict(service.scores or {}),
        "url": url_for("catalogue_public.service", slug=service.slug, _external=True),
    }


def public_detail(service: Service) -> dict:
    data = public_summary(service)
    uses = []
    for use in service.data_uses:
        access = scope_access(use.scope)
        uses.append(
            {
                "scope": use.scope,
                "resource": access.resource if access else None,
                "reads": bool(access and access.reads),
                "writes": bool(access and access.writes),
                "purpose": use.purpose.value,
                "retention_days": use.retention_days,
            }
        )
    data.update(
        long_description=service.long_description,
        long_description_en=service.long_description_en,
        status_reason=service.status_reason if service.status != ServiceStatus.REFERENCED else None,
        website_url=service.website_url,
        privacy_policy_url=service.privacy_policy_url,
        accessibility_statement_url=service.accessibility_statement_url,
        hosting_countries=hosting_countries(service),
        data_uses=uses,
    )
    return data
