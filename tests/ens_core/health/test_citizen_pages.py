"""The citizen's pages as a person reads them (issue 15): the history's filters, the one
connected-services page, plain words and local formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from authz.consent import grant_of, receipts_of, record_consent
from catalogue.editor.services import store_logo
from catalogue.models import DataPurpose
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.health.access_log import record_access
from tests.authz.support import client_for
from tests.factories import (
    PASSWORD,
    make_listed_service,
    make_measurement,
    make_organisation,
    make_service,
    make_user,
)
from tests.helpers import login, submit, visible_text

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<rect width="64" height="64" fill="#000091"/></svg>'
)


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


def _connected(citizen, *, months=12, **service_fields):
    """A referenced service (with an editor's contact and a logo) connected by ``citizen``."""
    editor = make_user(Role.EDITOR)
    org = make_organisation(
        editor, legal_name="Santé Connect SAS", contact_email="dpo@sante.example"
    )
    service = make_listed_service(
        org,
        data_uses=[
            ("patient/Observation.rs", DataPurpose.CARE, 1095),
            ("patient/Observation.cu", DataPurpose.CARE, 1095),
        ],
        **service_fields,
    )
    store_logo(editor, service, "logo.svg", LOGO)
    scopes = ["patient/Observation.rs", "patient/Observation.cu", "offline_access"]
    client = client_for(service, sandbox=False, scopes=scopes)
    record_consent(citizen, service, client, scopes, months=months)
    db.session.commit()
    return service


def test_one_card_per_service_in_plain_words(client, app_ctx):
    camille = _citizen()
    service = _connected(camille, name="Tension Suivi", slug="tension-suivi")
    login(client, camille.email, PASSWORD)
    page = client.get("/espace/services").get_data(as_text=True)
    text = visible_text(page)
    # The same sentence as on the consent screen and the catalogue (ens_core.wording).
    assert (
        "Il peut lire vos mesures et résultats (tension, poids, glycémie…)."
        " Pourquoi : Soins. Il les garde au plus 3 ans."
    ) in text
    assert "sans limite" not in text and "offline_access" not in page
    assert (
        "Jusqu'au" in text and "Depuis le" in text and "Dernier accès aucun pour l'instant" in text
    )
    assert f'src="/editeur/services/{service.id}/logo"' in page
    assert 'href="/catalogue/tension-suivi"' in page
    assert "Arrêter le partage" in text
    assert "Accord donné à Tension Suivi jusqu'au" in text  # the consent history


def test_stop_sharing_says_what_the_service_keeps_and_how_to_ask_for_deletion(client, app_ctx):
    camille = _citizen(name="Camille Martin")
    service = _connected(camille, name="Tension Suivi")
    grant = grant_of(camille, service)
    login(client, camille.email, PASSWORD)
    page = client.get(f"/espace/services/{grant.id}/arreter").get_data(as_text=True)
    text = visible_text(page)
    assert "Tension Suivi peut garder les données qu'il a déjà copiées au plus 3 ans" in text
    mailto = re.search(r'href="(mailto:[^"]+)"', page).group(1)
    assert mailto.startswith("mailto:dpo@sante.example?subject=Demande%20d%27effacement")
    response = submit(client, f"/espace/services/{grant.id}/arreter", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert grant_of(camille, service).revoked_at is not None
    history = visible_text(client.get("/espace/services").get_data(as_text=True))
    assert "Partage arrêté avec Tension Suivi." in history
    assert "Accès terminés" in history


def test_renewal_writes_a_receipt_in_the_consent_history(client, app_ctx):
    camille = _citizen()
    service = _connected(camille, name="Journal Santé")
    grant = grant_of(camille, service)
    grant.created_at = utcnow() - timedelta(days=355)
    grant.expires_at = utcnow() + timedelta(days=10)
    db.session.commit()
    login(client, camille.email, PASSWORD)
    assert "Renouveler" in client.get("/espace/services").get_data(as_text=True)
    response = submit(
        client, f"/espace/services/{grant.id}/renouveler", {}, form_url="/espace/services"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [r.document["event"] for r in receipts_of(camille)] == ["renewed", "granted"]
    assert grant_of(camille, service).expires_at > utcnow() + timedelta(days=300)
    text = visible_text(client.get("/espace/services").get_data(as_text=True))
    assert "Accès de Journal Santé renouvelé jusqu'au" in text


def test_history_in_plain_words_newest_first_ip_behind_details(client, app_ctx):
    camille = _citizen()
    service = make_service(name="Tension Suivi")
    older = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    newer = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    record_access(
        camille,
        interaction="read",
        resource_type="Observation",
        service=service,
        ip="203.0.113.9",
        at=newer,
    )
    record_access(
        camille, interaction="read", resource_type="Appointment", service=service, at=older
    )
    db.session.commit()
    login(client, camille.email, PASSWORD)
    page = client.get("/espace/historique").get_data(as_text=True)
    table = visible_text(page.split("<table")[1].split("</table>")[0])
    assert "Observation" not in table and "Appointment" not in table
    assert table.index("Mesure") < table.index("Rendez-vous")  # newest first
    assert "2 mars 2026 à 09:00" in table  # Paris time, the page's language
    ip_at = page.index("203.0.113.9")
    assert page.rfind("<details", 0, ip_at) > page.rfind("</details>", 0, ip_at)
    assert "Journal vérifié" in visible_text(page)
    english = visible_text(client.get("/espace/historique?lang=en").get_data(as_text=True))
    assert "Measurement" in english and "2 March 2026, 09:00" in english


def test_measurements_with_units_for_people_and_local_numbers(client, app_ctx):
    camille = _citizen()
    make_measurement(camille, value=68.5, at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    make_measurement(camille, "85354-9", 128, value2=80, at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    make_measurement(camille, "55423-8", 8432, at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    db.session.commit()
    login(client, camille.email, PASSWORD)
    french = visible_text(client.get("/espace/donnees").get_data(as_text=True))
    assert "68,5 kg" in french and "128/80 mmHg" in french and "pas/jour" in french
    assert "mm[Hg]" not in french and "{steps}" not in french and "68.5" not in french
    assert "Systolique (haute) (mmHg)" in french  # the chart's legend
    english = visible_text(client.get("/espace/donnees?lang=en").get_data(as_text=True))
    assert "68.5 kg" in english and "steps/day" in english


def test_dashboard_opens_with_connected_services_and_recent_accesses(client, app_ctx):
    camille = _citizen()
    service = _connected(camille, name="Tension Suivi")
    record_access(camille, interaction="read", resource_type="Observation", service=service)
    db.session.commit()
    login(client, camille.email, PASSWORD)
    text = visible_text(client.get("/espace").get_data(as_text=True))
    assert text.index("Services connectés Tension Suivi") < text.index("Derniers accès")
    assert "Tension Suivi (Santé Connect SAS) : lecture, mesure" in text
    assert "Intégrité" not in text and "Journal vérifié" not in text
