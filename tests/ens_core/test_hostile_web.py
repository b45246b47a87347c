"""Replay of hostile inputs to the JSON ``/api``, the HTML forms and the OAuth endpoints
(issue 17): each is a 4xx in the interface's own format — problem+json, the form's error
summary, OAuth JSON — never a 500, and nothing is stored. The OpenAPI document says what
is sent."""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest
from jsonschema import validate as validate_json
from marshmallow import class_registry, fields

from ens_core.accounts.models import Role
from ens_core.web import edge
from tests.factories import PASSWORD, make_organisation, make_service, make_user
from tests.helpers import csrf_token, login

API = "/api/catalogue/services"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=99999999999999999999", "page"),
        ("page=1e20", "page"),
        ("page=-99999999999999999999", "page"),
        ("page_size=99999999999999999999", "page_size"),
        ("page=100001", "page"),
    ],
)
def test_api_integers_out_of_bounds_are_422_problems(client, query, field):
    response = client.get(f"{API}?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "category=%00", "%00=1", "ecoscore=A&ecoscore=%00"]
)
def test_api_nul_characters_are_400_problems(client, query):
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "nul" in response.get_json()["detail"]


def test_api_many_repeated_parameters_answer_without_error(client):
    response = client.get(API + "?" + "&".join(["ecoscore=A"] * 1000 + ["q=x"] * 1000))
    assert response.status_code == 200


@pytest.mark.parametrize("path", [API, "/fhir/metadata", "/", "/oauth/token", "/catalogue"])
def test_trace_is_405_with_allow(client, path):
    response = client.open(path, method="TRACE")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed or "POST" in allowed
    assert "TRACE" not in allowed


def test_x_pagination_is_the_json_object_the_openapi_document_declares(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"][API]["get"]
    header = operation["responses"]["200"]["headers"]["X-Pagination"]
    schema = header["content"]["application/json"]["schema"]
    schema = {**schema, "components": document["components"]}
    sent = json.loads(client.get(f"{API}?page_size=1").headers["X-Pagination"])
    validate_json(sent, schema)
    assert sent["total"] >= 0


def test_errors_are_documented_as_problem_json(client):
    document = client.get("/api/openapi.json").get_json()
    responses = document["paths"][API]["get"]["responses"]
    assert "application/problem+json" in responses["422"]["content"]
    problem = client.get(f"{API}?page=0").get_json()
    ref = responses["422"]["content"]["application/problem+json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(problem) <= set(schema["properties"])


# --- HTML forms and URLs -------------------------------------------------------------------


@pytest.fixture
def editor(client, app_ctx):
    user = make_user(Role.EDITOR, email="editeur@hostile.example")
    organisation = make_organisation(user)
    make_service(organisation, name="Service Hostile")
    login(client, user.email, PASSWORD)
    return user


@pytest.mark.parametrize("value", ["1e20", "99999999999999999999", "-99999999999999999999", "x"])
def test_form_integer_out_of_bounds_is_shown_in_the_error_summary(client, editor, value):
    token = csrf_token(client, "/editeur/dossiers")
    response = client.post(
        "/editeur/dossiers/ouvrir", data={"csrf_token": token, "service_id": value}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "error-summary" in page and "service_id" in page


def test_form_with_nul_is_400(client, editor):
    token = csrf_token(client, "/editeur/dossiers")
    response = client.post(
        "/editeur/dossiers/ouvrir", data={"csrf_token": token, "service_id": "1\x00"}
    )
    assert response.status_code == 400
    assert "nul" in response.get_data(as_text=True)


def test_login_with_nul_is_400(client, app_ctx):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@b.fr", "password": "x\x00"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/editeur/organisations/99999999999999999999",
        "/editeur/organisations/2147483648",
        "/editeur/dossiers/99999999999999999999",
    ],
)
def test_url_ids_beyond_the_database_integer_are_404(client, editor, path):
    assert client.get(path).status_code == 404


def test_every_int_url_segment_is_bounded(app):
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if isinstance(converter, edge.IntegerConverter):
                assert isinstance(converter, edge.BoundedIntegerConverter), rule.rule


def test_oauth_endpoint_with_nul_answers_oauth_json(client):
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "a\x00"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def _all_schemas():
    for package in ("ens_core", "authz", "catalogue", "review"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.endswith("schemas"):
                importlib.import_module(info.name)
    for classes in class_registry._registry.values():
        for cls in classes:
            if cls.__module__.split(".")[0] in ("ens_core", "authz", "catalogue", "review"):
                yield cls


def test_every_integer_field_of_a_schema_is_bounded():
    """A new ``fields.Integer`` would let 99999999999999999999 reach the database."""
    found = 0
    for schema in _all_schemas():
        for name, field in schema._declared_fields.items():
            inner = getattr(field, "inner", field)
            if isinstance(inner, fields.Integer):
                found += 1
                assert isinstance(inner, edge.Integer), f"{schema.__name__}.{name}"
    assert found > 10
