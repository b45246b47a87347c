"""Every unexpected error is logged with its traceback under a request id that the answer
shows: the HTML page, the problem+json body and the OperationOutcome."""

from __future__ import annotations

import logging

import pytest

from ens_core.db import db
from tests.conftest import make_test_app


class Boom(RuntimeError):
    pass


def _raise():
    raise Boom("something broke")


@pytest.fixture(scope="module")
def failing_app(app, database_url, tmp_path_factory):
    """The production error handling, with routes that raise (in this test app only)."""
    failing = make_test_app(
        database_url, tmp_path_factory.mktemp("errors"), ENS_HANDLE_UNEXPECTED_ERRORS=True
    )
    for path in ("/_boom", "/api/_boom", "/fhir/_boom"):
        failing.add_url_rule(path, f"boom{path.replace('/', '_')}", _raise)
    yield failing
    with failing.app_context():
        db.engine.dispose()  # no pooled connection left for the garbage collector


def _logged(caplog, rid: str):
    return [r for r in caplog.records if rid in r.getMessage() and r.exc_info]


def test_html_500_shows_the_request_id_that_the_log_carries(failing_app, caplog):
    caplog.set_level(logging.ERROR)
    response = failing_app.test_client().get("/_boom")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert rid in response.get_data(as_text=True)
    (record,) = _logged(caplog, rid)
    assert record.exc_info[0] is Boom
    assert "GET /_boom" in record.getMessage()


def test_api_500_is_a_problem_with_the_request_id(failing_app, caplog):
    caplog.set_level(logging.ERROR)
    response = failing_app.test_client().get("/api/_boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    rid = response.get_json()["request_id"]
    assert rid == response.headers["X-Request-ID"]
    assert _logged(caplog, rid)


def test_fhir_500_is_an_operation_outcome_with_the_request_id(failing_app, caplog):
    caplog.set_level(logging.ERROR)
    given = "lb-7f3a9c2e-0001"
    response = failing_app.test_client().get("/fhir/_boom", headers={"X-Request-ID": given})
    assert response.status_code == 500
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert given in outcome["issue"][0]["diagnostics"]
    assert response.headers["X-Request-ID"] == given  # a sane id from a proxy is kept
    assert _logged(caplog, given)


@pytest.mark.parametrize("given", ["short", "x" * 129, "with space and é", "<script>"])
def test_an_insane_request_id_is_replaced(client, given):
    response = client.get("/", headers={"X-Request-ID": given})
    rid = response.headers["X-Request-ID"]
    assert rid != given and len(rid) == 32


def test_every_answer_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/catalogue")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
