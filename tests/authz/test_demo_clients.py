"""``ens demo load``: the demo clients work as README describes."""

from __future__ import annotations

from authz.models import AuthMethod, ClientKind
from authz.services import get_client
from catalogue.models import ServiceStatus
from catalogue.services import get_service, is_operational
from ens_core.accounts.services import find_user_by_email
from ens_core.demo import load_demo
from tests.authz.flow import exchange, get_code
from tests.helpers import login


def test_demo_clients_and_sandbox_citizens(app_ctx):
    load_demo()
    tension = get_client("demo-tension")
    assert tension.kind is ClientKind.PRODUCTION
    assert tension.token_endpoint_auth_method is AuthMethod.NONE
    assert tension.redirect_uris == ["http://127.0.0.1:8765/callback"]
    assert "launch/patient" in tension.scope_ceiling.split()
    service = get_service(tension.service_id)
    assert service.slug == "tension-suivi" and is_operational(service)
    journal = get_client("demo-journal")
    assert journal.token_endpoint_auth_method is AuthMethod.CLIENT_SECRET_BASIC
    assert get_service(journal.service_id).status is ServiceStatus.REFERENCED
    for email in ("sandbox1@sandbox.ens", "sandbox2@sandbox.ens"):
        assert find_user_by_email(email).is_synthetic


def _demo_code(app, account: tuple[str, str], client_id: str, scope: str):
    """With the demo data loaded, a demo account logs in and authorises a demo client:
    its browser, the client, the code and the PKCE verifier."""
    load_demo()
    http = app.test_client()
    assert login(http, *account).status_code == 302
    client = get_client(client_id)
    code, verifier, _ = get_code(http, client, scope)
    return http, client, code, verifier


def test_camille_gets_a_token_with_the_confidential_demo_client(app, app_ctx):
    http, journal, code, verifier = _demo_code(
        app,
        ("camille@demo.ens", "camille-demo-2026"),
        "demo-journal",
        "patient/DocumentReference.rs offline_access",
    )
    response = exchange(http, journal, code, verifier, secret="demo-journal-secret")
    assert response.status_code == 200
    assert response.get_json()["refresh_token"]


def test_sandbox_citizen_can_log_in_and_use_the_sandbox_client(app, app_ctx):
    http, sandbox, code, verifier = _demo_code(
        app,
        ("sandbox1@sandbox.ens", "sandbox-demo-2026"),
        "demo-tension-sandbox",
        "patient/Observation.rs",
    )
    assert exchange(http, sandbox, code, verifier).status_code == 200
