"""The reference sandbox app passes every check; each variant fails its own check only."""

from __future__ import annotations

import pytest

from authz.conformance.checks import (
    EVALUATORS,
    FAIL,
    NOT_EXERCISED,
    PASS,
    RunFacts,
    evaluate,
    load_checks,
)
from authz.conformance.models import ConformanceEvent
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.conformance.reference_client import VARIANTS, drive_run
from tests.authz.flow import get_code, public_client, referenced_service
from tests.factories import make_user


def _drive(citizen_http, sandbox_client, breaks=None):
    return drive_run(citizen_http, sandbox_client, make_user(), breaks)


def test_the_reference_app_passes_every_published_check(citizen_http, sandbox_client):
    run, verdicts = _drive(citizen_http, sandbox_client)
    _version, checks = load_checks(run.checks_version)
    assert set(verdicts) == {check.id for check in checks}
    assert {k: v.status for k, v in verdicts.items() if v.status != PASS} == {}
    assert run.verdicts == {check.id: PASS for check in checks}
    assert run.pass_count == len(checks)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_broken_variant_fails_its_own_check_and_no_other(
    citizen_http, sandbox_client, variant
):
    _run, verdicts = _drive(citizen_http, sandbox_client, breaks=variant)
    failed = sorted(k for k, v in verdicts.items() if v.status == FAIL)
    assert failed == [VARIANTS[variant]]
    assert {k for k, v in verdicts.items() if v.status not in (PASS, FAIL)} == set()
    evidence = verdicts[VARIANTS[variant]].evidence
    assert evidence is not None


def test_recorded_requests_carry_no_secret(citizen_http, sandbox_client):
    run, _verdicts = _drive(citizen_http, sandbox_client, breaks="token-in-query")
    app_secrets = []
    for event in db.session.query(ConformanceEvent).filter_by(run_id=run.id):
        for key in ("code", "code_verifier", "refresh_token", "access_token", "state"):
            if key in event.query:
                app_secrets.append(event.query[key])
        assert "Bearer" not in str(event.details)
    assert app_secrets and set(app_secrets) == {"[masqué]"}


def test_a_production_client_is_never_recorded(client, app_ctx):
    service = referenced_service()
    production = public_client(service)
    before = db.session.query(ConformanceEvent).count()
    code, _verifier, _query = get_code(
        client, production, "patient/Observation.rs", citizen=make_user(Role.CITIZEN)
    )
    assert code
    assert db.session.query(ConformanceEvent).count() == before


def test_the_published_checks_are_complete_data_in_both_languages():
    version, checks = load_checks()
    assert version == "2026.1"
    assert {check.id for check in checks} == set(EVALUATORS)
    for check in checks:
        assert check.fr and check.en and check.fr != check.en
        assert check.text("en") == check.en and check.text("fr") == check.fr


def test_a_run_that_did_nothing_exercises_nothing():
    verdicts = evaluate([], RunFacts())
    assert {v.status for v in verdicts} == {NOT_EXERCISED}
    assert all(v.evidence is None for v in verdicts)


def test_an_unknown_checks_version_is_refused():
    with pytest.raises(LookupError):
        load_checks("1999.1")
