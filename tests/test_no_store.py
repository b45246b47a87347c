"""Nothing personal stays in a browser's or a proxy's cache: every answer to a signed-in
session or a bearer token is ``Cache-Control: no-store``; public pages stay cacheable."""

from __future__ import annotations

import pytest

from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from tests.authz.support import fhir_token
from tests.factories import PASSWORD, make_organisation, make_service, make_user
from tests.helpers import login

PAGES = {
    Role.CITIZEN: [
        "/mon-compte",
        "/espace",
        "/espace/donnees",
        "/espace/historique",
    ],
    Role.EDITOR: ["/editeur"],
    Role.AGENT: ["/agent"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_authenticated_pages_are_no_store(client, app_ctx, role):
    user = make_user(role)
    if role is Role.EDITOR:
        make_organisation(user)
    login(client, user.email, PASSWORD)
    for url in PAGES[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    # The style sheet is the same for everyone: still cacheable when signed in.
    with client.get("/static/css/ens.css") as sheet:
        assert "no-store" not in sheet.headers.get("Cache-Control", "")


def test_fhir_reads_with_a_bearer_token_are_no_store(client, app_ctx):
    citizen = make_user(Role.CITIZEN)
    service = make_service(status=ServiceStatus.REFERENCED)
    token = fhir_token(citizen, service, "launch/patient patient/Observation.rs")
    response = client.get(
        "/fhir/Observation?code=29463-7", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_stay_cacheable(client, app_ctx):
    for url in ("/", "/catalogue", "/static/css/ens.css"):
        with client.get(url) as response:
            assert "no-store" not in response.headers.get("Cache-Control", ""), url
