"""Public catalogue pages: the search page and one page per listed service."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from authz.conformance.services import latest_attached_run
from catalogue.logos import logo_is_public, logo_response
from catalogue.models import (
    Audience,
    Category,
    Platform,
    PriceModel,
    Service,
    ServiceEventKind,
    ServiceStatus,
)
from catalogue.public import vocabulary
from catalogue.public.schemas import SearchPageSchema, query_args
from catalogue.public.search import SearchCriteria, search_services
from catalogue.public.timelines import DOSSIER_TIMELINES
from catalogue.services import hosting_countries
from ens_core.db import db

bp = Blueprint("catalogue_public", __name__)


def _options():
    return {
        "categories": [(c.value, c.label) for c in Category],
        "platforms": [(p.value, p.label) for p in Platform],
        "prices": [(p.value, p.label) for p in PriceModel],
        "audiences": [(a.value, a.label) for a in Audience],
        "resources": [
            (r, str(label)) for r, label in vocabulary.RESOURCE_LABELS.items() if r != "*"
        ],
        "grades": vocabulary.ECOSCORE_GRADES,
        "sorts": [
            ("relevance", _("Pertinence")),
            ("name", _("Nom")),
            ("recent", _("Décision la plus récente")),
            ("ecoscore", _("Écoscore")),
        ],
    }


@bp.route("/catalogue")
def index():
    errors = {}
    try:
        data = SearchPageSchema().load(query_args(request.args))
    except ValidationError as error:
        errors = error.normalized_messages()
        data = SearchPageSchema().load(
            {k: v for k, v in query_args(request.args).items() if k not in errors}
        )
    criteria = SearchCriteria(**data)
    results = search_services(criteria)

    def page_url(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args.pop("page", None)
        args.pop("lang", None)
        if number > 1:
            args["page"] = [str(number)]
        return url_for("catalogue_public.index", **args)

    return render_template(
        "catalogue/public/index.html",
        criteria=criteria,
        results=results,
        options=_options(),
        errors=errors,
        page_url=page_url,
        searched=bool(request.args),
    ), (400 if errors else 200)


def _latest_event(service: Service, kind: ServiceEventKind):
    events = [e for e in service.events if e.kind == kind]
    return events[-1] if events else None


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _description(service: Service) -> tuple[str, str, str]:
    """(short, long, lang): English when the interface is English and English is given."""
    if str(get_locale()) == "en" and (service.long_description_en or service.short_description_en):
        return (
            service.short_description_en or "",
            service.long_description_en or "",
            "en",
        )
    return service.short_description, service.long_description, "fr"


@bp.route("/catalogue/<slug>/logo")
def logo(slug: str):
    """A listed service's logo, for anyone (pages, open data, other stores)."""
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    if service is None or not logo_is_public(service):
        abort(404)
    response = logo_response(service, public=True)
    if response is None:
        abort(404)
    return response.make_conditional(request)


@bp.route("/catalogue/<slug>")
def service(slug: str):
    service = db.session.scalar(
        select(Service)
        .where(Service.slug == slug)
        .options(
            selectinload(Service.organisation),
            selectinload(Service.events),
            selectinload(Service.data_uses),
        )
    )
    if service is None or service.status == ServiceStatus.DRAFT:
        abort(404)
    suspension = None
    if service.status == ServiceStatus.SUSPENDED:
        event = _latest_event(service, ServiceEventKind.SUSPENDED)
        details = event.details if event else {}
        suspension = {
            "reason": service.status_reason
            or details.get("reason")
            or (event.summary if event else ""),
            "deadline": _parse_date(details.get("deadline")),
            "since": event.at if event else service.status_changed_at,
        }
    uses = vocabulary.plain_data_uses(service.data_uses)
    short, long, lang = _description(service)
    scores = [
        (vocabulary.score_area_label(area), value)
        for area, value in (service.scores or {}).items()
        if isinstance(value, int | float)
    ]
    measures = vocabulary.ecoscore_measurements(service.ecoscore_details)
    countries = [(code, vocabulary.country_name(code)) for code in hosting_countries(service)]
    status = 410 if service.status == ServiceStatus.DELISTED else 200
    return render_template(
        "catalogue/public/service.html",
        service=service,
        suspension=suspension,
        uses=uses,
        short=short,
        long=long,
        description_lang=lang,
        scores=scores,
        measures=measures,
        metric_labels=vocabulary.metric_labels(),
        countries=countries,
        events=list(reversed(service.events)),
        timelines=DOSSIER_TIMELINES.get()(service),
        ServiceStatus=ServiceStatus,
        conformance=latest_attached_run(service.id),
    ), status
