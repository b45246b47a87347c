"""Property-based check of the JSON ``/api`` (issue 17): requests generated from its
OpenAPI document by Schemathesis (valid and invalid ones) never get a 5xx, and every answer
agrees with the document (status, content type, body schema and headers such as
``X-Pagination``). A bounded, derandomised number of examples; runs in ``make test`` on
SQLite, and on PostgreSQL when ``ENS_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import schemathesis
from hypothesis import given
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks

from tests.helpers import property_settings

SETTINGS = property_settings(max_examples=50)
CHECKS = [
    not_a_server_error,
    checks.negative_data_rejection,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def test_api_answers_conform_to_its_openapi_document(app, tension_suivi):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @SETTINGS
        @given(case=schema.as_strategy(generation_mode=mode))
        def call(case):
            case.call_and_validate(checks=CHECKS)

        call()
