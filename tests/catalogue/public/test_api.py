"""The catalogue's JSON API and its OpenAPI document."""

import json

import pytest
from openapi_spec_validator import validate

from catalogue.models import ServiceStatus
from tests.factories import make_listed_service, make_service


@pytest.fixture
def catalogue(tension_suivi):
    org = tension_suivi.organisation
    make_listed_service(org, name="Journal Santé", slug="journal-sante", ecoscore_grade="B")
    make_listed_service(name="Nordic Move", slug="nordic-move", status=ServiceStatus.SUSPENDED)
    make_listed_service(name="Vieux", slug="vieux", status=ServiceStatus.DELISTED)
    make_service(name="Brouillon Santé", slug="brouillon")


def test_search_with_keyword_and_filters(client, catalogue):
    response = client.get("/api/catalogue/services?q=SANTE&ecoscore=B&ecoscore=C")
    assert response.status_code == 200
    assert [s["slug"] for s in response.get_json()] == ["journal-sante"]
    response = client.get("/api/catalogue/services?category=chronic_disease&reads=Observation")
    assert [s["slug"] for s in response.get_json()] == ["tension-suivi"]


def test_page_pagination_with_totals_in_a_header(client, catalogue):
    response = client.get("/api/catalogue/services?page_size=2&sort=name")
    assert [s["slug"] for s in response.get_json()] == ["journal-sante", "nordic-move"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 3 and pagination["total_pages"] == 2
    assert pagination["next_page"] == 2
    second = client.get("/api/catalogue/services?page_size=2&page=2&sort=name").get_json()
    assert [s["slug"] for s in second] == ["tension-suivi"]


def test_listing_exposes_only_public_fields(client, catalogue):
    item = client.get("/api/catalogue/services/tension-suivi").get_json()
    assert item["editor"] == "Santé Connect SAS"
    assert item["hosting_countries"] == ["FR"]
    assert item["data_uses"] == [
        {
            "scope": "patient/Observation.rs",
            "resource": "Observation",
            "reads": True,
            "writes": False,
            "purpose": "care",
            "retention_days": 365,
        }
    ]
    assert item["ecoscore"]["grade"] == "A"
    assert item["url"].endswith("/catalogue/tension-suivi")
    for private in ("id", "organisation_id", "created_at", "logo_path"):
        assert private not in item
    summary = client.get("/api/catalogue/services?q=tension").get_json()[0]
    assert "data_uses" not in summary and "id" not in summary


def test_suspended_is_listed_with_its_status_drafts_and_delisted_are_not(client, catalogue):
    slugs = {s["slug"]: s["status"] for s in client.get("/api/catalogue/services").get_json()}
    assert slugs == {
        "journal-sante": "referenced",
        "nordic-move": "suspended",
        "tension-suivi": "referenced",
    }
    for slug in ("brouillon", "vieux", "nowhere"):
        response = client.get(f"/api/catalogue/services/{slug}")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("ecoscore=Z", "ecoscore"),
        ("category=unknown", "category"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=1000", "page_size"),
        ("sort=price", "sort"),
        ("accessible=maybe", "accessible"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_are_422_problems(client, query, field):
    response = client.get(f"/api/catalogue/services?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and field in problem["errors"]


def test_openapi_document_is_valid_and_describes_the_api(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/catalogue/services" in document["paths"]
    assert "/api/catalogue/services/{slug}" in document["paths"]
    parameters = {
        p["name"] for p in document["paths"]["/api/catalogue/services"]["get"]["parameters"]
    }
    assert {"q", "ecoscore", "category", "reads", "page", "page_size"} <= parameters
    # no documentation UI pulling scripts from elsewhere
    assert client.get("/api/docs").status_code == 404


def test_app_error_pages_are_kept(client):
    assert "Page introuvable" in client.get("/nowhere").get_data(as_text=True)
