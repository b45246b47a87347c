import pytest
from werkzeug.datastructures import MultiDict

from catalogue.editor.schemas import (
    ClientSettingsSchema,
    OrganisationSchema,
    redirect_uri_problem,
    siren_is_valid,
)
from ens_core.forms import parse_form as _parse_form


def parse_form(schema, data):
    return _parse_form(schema, MultiDict(data))


@pytest.mark.parametrize("siren", ["732829320", "552100554", "356000000"])
def test_valid_sirens_pass_the_luhn_check(siren):
    assert siren_is_valid(siren)


@pytest.mark.parametrize("siren", ["732829321", "73282932", "7328293200", "73282932a", ""])
def test_bad_sirens_are_refused(siren):
    assert not siren_is_valid(siren)


GOOD_ORG = {
    "legal_name": "Santé Connect SAS",
    "siren": "732 829 320",
    "country": "fr",
    "address": "12 rue des Lilas, 69003 Lyon",
    "contact_name": "Élise Fournier",
    "contact_email": "contact@santeconnect.example",
}


def test_organisation_schema_normalises_siren_and_country(app_ctx):
    data, errors = parse_form(OrganisationSchema(), GOOD_ORG)
    assert errors == {}
    assert data["siren"] == "732829320"
    assert data["country"] == "FR"
    assert data["foreign_registration"] is None


def test_french_organisation_needs_a_siren(app_ctx):
    _, errors = parse_form(
        OrganisationSchema(), {**GOOD_ORG, "siren": "", "foreign_registration": "X1"}
    )
    assert "SIREN est obligatoire" in errors["siren"][0]


def test_foreign_organisation_needs_siren_or_registration(app_ctx):
    _, errors = parse_form(OrganisationSchema(), {**GOOD_ORG, "siren": "", "country": "DE"})
    assert "foreign_registration" in errors
    data, errors = parse_form(
        OrganisationSchema(),
        {**GOOD_ORG, "siren": "", "country": "DE", "foreign_registration": "HRB 1"},
    )
    assert errors == {} and data["siren"] is None


def test_organisation_schema_refuses_bad_luhn_and_unknown_country(app_ctx):
    _, errors = parse_form(
        OrganisationSchema(), {**GOOD_ORG, "siren": "732829321", "country": "XX"}
    )
    assert "Luhn" in errors["siren"][0]
    assert "country" in errors


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "https://app.example:8443/cb?x=1",
        "http://127.0.0.1:8765/callback",
        "http://[::1]:9000/cb",
        "http://localhost/cb",
    ],
)
def test_allowed_redirect_uris(uri):
    assert redirect_uri_problem(uri) is None


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example/callback",  # plain http off loopback
        "https://app.example/cb#frag",  # fragment
        "https://*.example/cb",  # wildcard
        "https://app.example/*",
        "com.example.app:/callback",  # other schemes
        "javascript:alert(1)",
        "https://user:pw@app.example/cb",  # credentials
        "http://127.0.0.1.evil.example/cb",
        "https:///nohost",
    ],
)
def test_refused_redirect_uris(uri, app_ctx):
    assert redirect_uri_problem(uri)


def test_client_settings_split_lines_and_report_each_bad_uri(app_ctx):
    data, errors = parse_form(
        ClientSettingsSchema(),
        {
            "auth_method": "none",
            "redirect_uris": "https://a.example/cb\r\n\r\nhttps://a.example/cb\nhttp://127.0.0.1/cb",
        },
    )
    assert errors == {}
    assert data["redirect_uris"] == ["https://a.example/cb", "http://127.0.0.1/cb"]
    _, errors = parse_form(
        ClientSettingsSchema(),
        {"auth_method": "private_key_jwt", "redirect_uris": "http://a.example/cb\nhttps://b/*"},
    )
    assert len(errors["redirect_uris"]) == 2
    assert "auth_method" in errors
