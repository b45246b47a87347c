"""The citizen's pages as a person reads them (issue 15): the history's filters, the one
connected-services page, plain words and local formats."""

from __future__ import annotations

from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health.access_log import record_access
from tests.factories import PASSWORD, make_service, make_user
from tests.helpers import login


def _citizen(**kw):
    user = make_user(Role.CITIZEN, **kw)
    db.session.commit()
    return user


def test_empty_history_filters_mean_no_filter(client, app_ctx):
    """Defect 4: a browser sends every field of the filter form, empty ones included."""
    camille = _citizen()
    tension = make_service(name="Tension Suivi")
    journal = make_service(name="Journal Santé")
    record_access(camille, interaction="read", resource_type="Observation", service=tension)
    record_access(camille, interaction="read", resource_type="Observation", service=journal)
    db.session.commit()
    login(client, camille.email, PASSWORD)
    response = client.get(
        f"/espace/historique?q=&service={tension.id}&resource_type=&kind=&start=&end="
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tension Suivi" in page.split("<table")[1]
    assert "Journal Santé" not in page.split("<table")[1]
    assert client.get("/espace/historique?q=&service=&start=&end=").status_code == 200
    assert client.get("/espace/donnees?q=&type=&start=&end=").status_code == 200
    assert client.get("/espace/historique?start=hier").status_code == 400
