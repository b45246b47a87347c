"""Plain words for scopes, retention and countries."""

import pytest
from flask_babel import force_locale

from catalogue.public.vocabulary import country_name, retention_in_words, scope_access


@pytest.mark.parametrize(
    ("scope", "resource", "reads", "writes"),
    [
        ("patient/Observation.read", "Observation", True, False),
        ("patient/Observation.write", "Observation", False, True),
        ("user/Observation.*", "Observation", True, True),
        ("patient/Observation.rs", "Observation", True, False),
        ("patient/DocumentReference.c", "DocumentReference", False, True),
        ("patient/Condition.cruds", "Condition", True, True),
        ("patient/*.read", "*", True, False),
    ],
)
def test_smart_scopes_v1_and_v2(scope, resource, reads, writes):
    access = scope_access(scope)
    assert (access.resource, access.reads, access.writes) == (resource, reads, writes)


@pytest.mark.parametrize("scope", ["openid", "launch/patient", "offline_access", "patient/X.zz"])
def test_scopes_that_are_not_health_data(scope):
    assert scope_access(scope) is None


def test_retention_and_countries_in_words(app):
    with app.test_request_context("/?lang=fr"):
        assert retention_in_words(365) == "1 an"
        assert retention_in_words(730) == "2 ans"
        assert retention_in_words(90) == "3 mois"
        assert retention_in_words(30) == "30 jours"
        assert retention_in_words(1) == "1 jour"
        assert country_name("DE") == "Allemagne"
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert retention_in_words(365) == "1 year"
        assert country_name("NO") == "Norway"
