"""Open data: CSV of services, Atom feed of decisions, public list of applications."""

import csv
import io
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from authz.models import AuthMethod, Client, ClientKind
from catalogue.models import ServiceEventKind, ServiceStatus
from ens_core.db import db
from tests.factories import (
    make_listed_service,
    make_organisation,
    make_service,
    make_service_event,
)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def services(app_ctx):
    org = make_organisation(legal_name='Santé "Connect", SAS')
    listed = make_listed_service(
        org,
        name="Tension Suivi",
        slug="tension-suivi",
        scores={"security": 92, "ethics": 80},
        hosting=["FR", "DE"],
    )
    suspended = make_listed_service(
        name="Nordic Move",
        slug="nordic-move",
        status=ServiceStatus.SUSPENDED,
        status_reason="Hébergement hors UE",
        scores={"security": 70, "interoperability": 60},
    )
    delisted = make_listed_service(name="Vieux", slug="vieux", status=ServiceStatus.DELISTED)
    draft = make_service(name="Brouillon", slug="brouillon")
    at = datetime(2026, 2, 1, tzinfo=UTC)
    make_service_event(listed, ServiceEventKind.REFERENCED, summary="Référencé.", at=at)
    make_service_event(
        suspended,
        ServiceEventKind.SUSPENDED,
        summary="Suspendu : hébergement en Norvège.",
        at=datetime(2026, 3, 1, tzinfo=UTC),
        deadline="2026-06-01",
    )
    make_service_event(delisted, ServiceEventKind.DELISTED, summary="Déréférencé.", at=at)
    make_service_event(draft, ServiceEventKind.REFUSED, summary="Refusé.", at=at)
    return listed


def test_csv_parses_with_the_csv_module(client, services):
    response = client.get("/opendata/services.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for spreadsheets
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_slug = {row["slug"]: row for row in rows}
    assert set(by_slug) == {"tension-suivi", "nordic-move", "vieux"}
    row = by_slug["tension-suivi"]
    assert row["editor"] == 'Santé "Connect", SAS'  # quoted properly
    assert row["status"] == "referenced"
    assert row["score_security"] == "92" and row["score_interoperability"] == ""
    assert row["hosting_countries"] == "DE|FR"
    assert row["data_read"] == "Observation"
    assert by_slug["nordic-move"]["status_reason"] == "Hébergement hors UE"
    assert by_slug["vieux"]["status"] == "delisted"


def test_atom_feed_is_valid_atom_with_public_decisions(client, services):
    response = client.get("/opendata/decisions.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())  # noqa: S314 (our own feed, in a test)
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287: exactly one id, title and updated; an author; a self link.
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{tag}")) == 1
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "ENS Store"
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == [  # newest first
        "Suspension : Nordic Move",
        "Déréférencement : Vieux",
        "Référencement : Tension Suivi",
    ]
    assert len(entries) == 3  # the refusal of a draft is not public
    ids = set()
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
        ids.add(entry.find(f"{ATOM}id").text)
    assert len(ids) == 3
    assert "Échéance : 2026-06-01" in entries[0].find(f"{ATOM}summary").text


def test_atom_feed_is_french_whatever_the_interface(client, services):
    body = client.get("/opendata/decisions.atom?lang=en").get_data(as_text=True)
    assert "Suspension : Nordic Move" in body


def _client(service, kind, *, enabled=True, n=1):
    client = Client(
        client_id=f"client-{service.slug}-{kind.value}-{n}",
        service_id=service.id,
        kind=kind,
        name=f"{service.name} ({kind.value})",
        token_endpoint_auth_method=AuthMethod.NONE,
        redirect_uris=["https://example.org/cb"],
        scope_ceiling="launch/patient openid patient/Observation.rs",
        is_enabled=enabled,
    )
    db.session.add(client)
    db.session.flush()
    return client


def test_well_known_applications_lists_enabled_production_clients_of_referenced_services(
    client, services
):
    services.logo_path = "/static/logos/tension.png"
    _client(services, ClientKind.PRODUCTION)
    _client(services, ClientKind.SANDBOX)
    _client(services, ClientKind.PRODUCTION, enabled=False, n=2)
    suspended = db.session.scalar(
        db.select(type(services)).where(type(services).slug == "nordic-move")
    )
    _client(suspended, ClientKind.PRODUCTION)
    db.session.flush()
    response = client.get("/.well-known/applications")
    assert response.status_code == 200
    applications = response.get_json()["applications"]
    assert len(applications) == 1
    app = applications[0]
    assert app["client_id"] == "client-tension-suivi-production-1"
    assert app["editor"] == 'Santé "Connect", SAS'
    assert app["scopes"] == ["launch/patient", "openid", "patient/Observation.rs"]
    assert app["logo_uri"] == "http://localhost/catalogue/tension-suivi/logo?v=tension"
    assert "secret_hash" not in app and "redirect_uris" not in app
