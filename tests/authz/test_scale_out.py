"""Two app servers on one database (as two gunicorn instances behind a load balancer).

Each instance caches per process what it may (signing keys, the verified claims of a
token it has seen): a revocation, a withdrawn consent or a suspension committed through
instance A must still be refused by instance B on its very next request. Runs on the
test database of the run: SQLite (one file), or PostgreSQL when ENS_TEST_DATABASE_URL is
set.
"""

from __future__ import annotations

import pytest
import requests

from authz.consent import grant_of, record_consent
from authz.models import ClientKind
from authz.services import create_client, revoke_grant
from authz.tokens import issue_tokens
from catalogue.models import Service, ServiceStatus
from ens_core.accounts.models import Role, User
from ens_core.db import db
from tests.conftest import make_test_app
from tests.factories import make_service, make_user
from tests.serving import serving

SCOPES = ["launch/patient", "patient/Observation.rs", "offline_access"]

# The servers commit for real; serving() empties the tables afterwards.
pytestmark = pytest.mark.own_database


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    """Instances A and B: two apps (two sets of per-process caches) on two loopback
    ports, one database."""
    first = make_test_app(database_url, tmp_path / "a")
    second = make_test_app(database_url, tmp_path / "b")
    with serving(first) as base_a, serving(second) as base_b:
        yield (first, base_a), (second, base_b)
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


def _consent(app, name: str):
    """A citizen's consent to a new referenced service; its access and refresh tokens and
    the client's credentials."""
    with app.app_context():
        citizen = make_user(Role.CITIZEN)
        service = make_service(status=ServiceStatus.REFERENCED, name=name)
        client, secret = create_client(
            service,
            kind=ClientKind.PRODUCTION,
            name=name,
            redirect_uris=["http://127.0.0.1:8765/callback"],
            scope_ceiling=" ".join(SCOPES),
        )
        grant, _ = record_consent(citizen, service, client, SCOPES)
        issued = issue_tokens(grant, client, SCOPES, include_refresh=True)
        db.session.commit()
        return {
            "citizen": citizen.id,
            "service": service.id,
            "access": issued.access_token,
            "refresh": issued.refresh_token,
            "auth": (client.client_id, secret),
        }


def _search(base: str, access_token: str) -> int:
    response = requests.get(
        f"{base}/fhir/Observation",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )
    return response.status_code


def test_a_token_revoked_through_a_is_refused_by_b_at_once(two_servers):
    (app_a, base_a), (_, base_b) = two_servers
    consent = _consent(app_a, "Révocation")
    assert _search(base_b, consent["access"]) == 200  # B has verified and cached it
    assert _search(base_b, consent["access"]) == 200  # B's express lane serves this one
    revoked = requests.post(
        f"{base_a}/oauth/revoke",
        data={"token": consent["access"], "token_type_hint": "access_token"},
        auth=consent["auth"],
        timeout=30,
    )
    assert revoked.status_code == 200
    assert _search(base_b, consent["access"]) == 401


def _refused_by_b_once_changed_through_a(two_servers, name: str, change) -> dict:
    """A consent made through A, its token accepted by B; then ``change(consent)`` committed
    through A: B refuses the token on its very next request. Returns the consent."""
    (app_a, _), (_, base_b) = two_servers
    consent = _consent(app_a, name)
    assert _search(base_b, consent["access"]) == 200  # B verifies the token and caches it
    assert _search(base_b, consent["access"]) == 200  # B's express lane serves this one
    with app_a.app_context():
        change(consent)
        db.session.commit()
    assert _search(base_b, consent["access"]) == 401
    return consent


def _withdraw(consent: dict) -> None:
    citizen = db.session.get(User, consent["citizen"])
    service = db.session.get(Service, consent["service"])
    revoke_grant(grant_of(citizen, service), reason="citizen")


def _suspend(consent: dict) -> None:
    db.session.get(Service, consent["service"]).status = ServiceStatus.SUSPENDED


def test_a_consent_withdrawn_through_a_is_refused_by_b_at_once(two_servers):
    _refused_by_b_once_changed_through_a(two_servers, "Retrait", _withdraw)


def test_a_service_suspended_through_a_is_refused_by_b_at_once(two_servers):
    (_, base_a), (_, base_b) = two_servers
    consent = _refused_by_b_once_changed_through_a(two_servers, "Suspension", _suspend)
    refreshed = requests.post(
        f"{base_b}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": consent["refresh"]},
        auth=consent["auth"],
        timeout=30,
    )
    assert refreshed.status_code in (400, 401)
    assert _search(base_a, consent["access"]) == 401
