"""Open data: the CSV of listed services, the Atom feed of decisions, and the public list
of production applications (``/.well-known/applications``)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, jsonify, url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from authz.services import production_clients
from catalogue.logos import public_logo_url
from catalogue.models import Service, ServiceEvent, ServiceEventKind, ServiceStatus
from catalogue.public.vocabulary import scope_access
from catalogue.services import hosting_countries
from ens_core.db import db

bp = Blueprint("catalogue_opendata", __name__)

OPEN_STATUSES = (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED, ServiceStatus.DELISTED)
FEED_KINDS = (
    ServiceEventKind.REFERENCED,
    ServiceEventKind.RENEWED,
    ServiceEventKind.SUSPENDED,
    ServiceEventKind.REINSTATED,
    ServiceEventKind.DELISTED,
    ServiceEventKind.SANCTION,
    ServiceEventKind.EXPIRED,
)
FEED_SIZE = 200
ATOM = "http://www.w3.org/2005/Atom"

CSV_COLUMNS = [
    "slug",
    "name",
    "editor",
    "editor_country",
    "status",
    "status_reason",
    "status_changed_at",
    "referenced_at",
    "valid_until",
    "categories",
    "platforms",
    "audiences",
    "price_model",
    "ecoscore_grade",
    "ecoscore_value",
    "hosting_countries",
    "data_read",
    "data_written",
    "website_url",
    "accessibility_statement_url",
    "url",
]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def services_csv() -> str:
    """The open-data CSV (RFC 4180 quoting, comma-separated, ``|`` inside list cells);
    score columns ``score_<area>`` follow the fixed columns, one per area published."""
    services = list(
        db.session.scalars(
            select(Service)
            .where(Service.status.in_(OPEN_STATUSES))
            .order_by(Service.slug)
            .options(selectinload(Service.organisation), selectinload(Service.data_uses))
        )
    )
    areas = sorted({area for s in services for area in (s.scores or {})})
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + [f"score_{a}" for a in areas])
    for s in services:
        accesses = [a for a in (scope_access(u.scope) for u in s.data_uses) if a]
        writer.writerow(
            [
                s.slug,
                s.name,
                s.organisation.legal_name,
                s.organisation.country,
                s.status.value,
                s.status_reason or "" if s.status != ServiceStatus.REFERENCED else "",
                _iso(s.status_changed_at),
                _iso(s.referenced_at),
                _iso(s.valid_until),
                "|".join(s.categories or []),
                "|".join(s.platforms or []),
                "|".join(s.audiences or []),
                s.price_model or "",
                s.ecoscore_grade or "",
                "" if s.ecoscore_value is None else s.ecoscore_value,
                "|".join(hosting_countries(s)),
                "|".join(sorted({a.resource for a in accesses if a.reads})),
                "|".join(sorted({a.resource for a in accesses if a.writes})),
                s.website_url or "",
                s.accessibility_statement_url or "",
                url_for("catalogue_public.service", slug=s.slug, _external=True),
            ]
            + [(s.scores or {}).get(a, "") for a in areas]
        )
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    """An open-data CSV: UTF-8 with a byte-order mark, so that spreadsheet software reads
    the accents right."""
    body = "\ufeff" + text
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8; header=present",
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )


@bp.route("/opendata/services.csv")
def services_csv_view():
    return csv_response(services_csv(), "ens-store-services.csv")


def _sub(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _atom_date(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decisions_atom() -> bytes:
    """Atom 1.0 feed of public listing events (decisions, renewals, suspensions,
    reinstatements, delistings, sanctions), newest first."""
    events = list(
        db.session.scalars(
            select(ServiceEvent)
            .join(Service)
            .where(ServiceEvent.kind.in_(FEED_KINDS), Service.status != ServiceStatus.DRAFT)
            .order_by(ServiceEvent.at.desc(), ServiceEvent.id.desc())
            .limit(FEED_SIZE)
            .options(selectinload(ServiceEvent.service).selectinload(Service.organisation))
        )
    )
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    self_url = url_for("catalogue_opendata.decisions_atom_view", _external=True)
    _sub(feed, "id", self_url)
    _sub(feed, "title", "ENS Store — décisions de référencement et sanctions")
    _sub(feed, "subtitle", "Référencements, renouvellements, suspensions et déréférencements.")
    _sub(feed, "updated", _atom_date(events[0].at if events else datetime(2026, 1, 1, tzinfo=UTC)))
    author = _sub(feed, "author")
    _sub(author, "name", "ENS Store")
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=url_for("catalogue_public.index", _external=True))
    for event in events:
        service = event.service
        page = url_for("catalogue_public.service", slug=service.slug, _external=True)
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{page}#evenement-{event.id}")
        _sub(entry, "title", f"{event.kind.label} : {service.name}")
        _sub(entry, "updated", _atom_date(event.at))
        _sub(entry, "published", _atom_date(event.at))
        _sub(entry, "link", rel="alternate", href=page, type="text/html")
        entry_author = _sub(entry, "author")
        _sub(entry_author, "name", service.organisation.legal_name)
        _sub(entry, "category", term=event.kind.value, label=event.kind.label)
        lines = [event.summary]
        deadline = (event.details or {}).get("deadline")
        if deadline:
            lines.append(f"Échéance : {deadline}")
        _sub(entry, "summary", "\n".join(line for line in lines if line), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.route("/opendata/decisions.atom")
def decisions_atom_view():
    # The feed's text is French (the authority's language), whatever the interface.
    with force_locale("fr"):
        body = decisions_atom()
    return Response(body, mimetype="application/atom+xml")


def production_applications() -> list[dict]:
    """Production OAuth clients of referenced services, enabled: what they may ask for
    (by service name, then client id)."""
    clients_of: dict[int, list] = {}
    for client in production_clients():  # ordered by client_id
        clients_of.setdefault(client.service_id, []).append(client)
    services = db.session.scalars(
        select(Service)
        .where(Service.id.in_(list(clients_of)), Service.status == ServiceStatus.REFERENCED)
        .order_by(Service.name)
        .options(selectinload(Service.organisation))
    ).all()
    rows = [(client, service) for service in services for client in clients_of[service.id]]
    applications = []
    for client, service in rows:
        applications.append(
            {
                "client_id": client.client_id,
                "name": client.name,
                "service": service.slug,
                "service_name": service.name,
                "editor": service.organisation.legal_name,
                "logo_uri": public_logo_url(service, external=True),
                "website_url": service.website_url,
                "listing_url": url_for(
                    "catalogue_public.service", slug=service.slug, _external=True
                ),
                "scopes": client.scope_ceiling.split(),
            }
        )
    return applications


@bp.route("/.well-known/applications")
def applications_view():
    response = jsonify(applications=production_applications())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
