"""The citizen's dashboard over HTTP: the issue's "done when" path, export, hiding,
notifications, abuse reports, profiles and the agents' guardianship page."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

from sqlalchemy import select

from authz.models import Grant
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.health import delegation
from ens_core.health.models import AbuseReport, AccessLogEntry, GuardianshipKind, HiddenDataType
from ens_core.health.services import list_abuse_reports
from ens_core.notifications.models import Notification
from tests.ens_core.fhir.conftest import Api, blood_pressure, transaction
from tests.factories import PASSWORD, make_document, make_measurement, make_service, make_user
from tests.helpers import login, submit


def _citizen(**kw):
    user = make_user(Role.CITIZEN, **kw)
    db.session.commit()
    return user


def test_done_when_write_history_revoke_refused_export(client, app_ctx):
    from catalogue.models import ServiceStatus

    camille = _citizen(name="Camille Martin")
    service = make_service(status=ServiceStatus.REFERENCED, name="Tension Suivi")
    api = Api(client, camille, service)
    db.session.commit()
    assert api.post("/fhir", transaction(blood_pressure(api.patient_id))).status_code == 200
    assert api.get("/fhir/Observation?code=85354-9").get_json()["total"] == 1

    login(client, camille.email, PASSWORD)
    history = client.get("/espace/historique").get_data(as_text=True)
    assert "Tension Suivi" in history and "Ajout groupé" in history
    assert "Journal vérifié" in history  # the log's integrity is shown with the log

    grant = db.session.scalar(select(Grant).where(Grant.citizen_id == camille.id))
    confirm = client.get(f"/espace/services/{grant.id}/arreter")
    assert "Arrêter le partage avec Tension Suivi ?" in confirm.get_data(as_text=True)
    done = submit(client, f"/espace/services/{grant.id}/arreter", {})
    assert done.status_code == 302
    assert api.get("/fhir/Observation").status_code == 401

    page = client.get("/espace/telecharger").get_data(as_text=True)
    assert "Téléchargements" in page and "mon-espace-sante-" in page
    response = submit(client, "/espace/telecharger", {})
    assert response.mimetype == "application/zip"
    assert "mon-espace-sante-" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"bundle.json", "resume.html"} <= set(archive.namelist())
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(json.loads(archive.read("bundle.json")))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["Patient", "Observation"]
    assert "Camille Martin" in archive.read("resume.html").decode()
    dashboard_page = client.get("/espace").get_data(as_text=True)
    assert "Journal vérifié" not in dashboard_page
    assert "Derniers accès à vos données" in dashboard_page and "ajout groupé" in dashboard_page


def test_dashboard_is_private(client, app_ctx):
    assert client.get("/espace").status_code == 302
    editor = make_user(Role.EDITOR)
    db.session.commit()
    login(client, editor.email, PASSWORD)
    assert client.get("/espace").status_code == 403


def test_another_citizens_grant_and_document_are_not_reachable(client, app_ctx):
    from tests.authz.support import fhir_token

    alice, bob = _citizen(), _citizen()
    service = make_service()
    fhir_token(bob, service, "patient/Observation.rs")
    bob_grant = db.session.scalar(select(Grant).where(Grant.citizen_id == bob.id))
    bob_doc = make_document(bob, "Secret de Bob")
    db.session.commit()
    login(client, alice.email, PASSWORD)
    assert client.get(f"/espace/services/{bob_grant.id}/arreter").status_code == 404
    assert (
        submit(
            client, f"/espace/services/{bob_grant.id}/arreter", {}, form_url="/espace/donnees"
        ).status_code
        == 404
    )
    assert client.get(f"/espace/documents/{bob_doc.public_id}").status_code == 404
    assert db.session.get(Grant, bob_grant.id).revoked_at is None


def test_my_data_shows_charts_and_hides_a_type(client, app_ctx):
    camille = _citizen()
    for day in range(5):
        make_measurement(camille, value=70 + day, at=utcnow() - timedelta(days=day))
    make_document(camille, "Radio du genou")
    db.session.commit()
    login(client, camille.email, PASSWORD)
    page = client.get("/espace/donnees").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page and "Radio du genou" in page
    assert "Radio" in client.get("/espace/donnees?q=genou").get_data(as_text=True)
    assert "Radio du genou" not in client.get("/espace/donnees?q=scanner").get_data(as_text=True)
    submit(
        client,
        "/espace/donnees/masquer",
        {"data_type": "weight", "hidden": "true"},
        form_url="/espace/donnees",
    )
    assert (
        db.session.scalar(
            select(HiddenDataType.data_type).where(HiddenDataType.citizen_id == camille.id)
        )
        == "weight"
    )


def test_notification_preferences_and_new_connection(client, app_ctx):
    from tests.authz.support import fhir_token

    camille = _citizen()
    fhir_token(camille, make_service(name="Journal Santé"), "patient/Observation.rs")
    db.session.commit()
    titles = db.session.scalars(
        select(Notification.title).where(Notification.user_id == camille.id)
    ).all()
    assert any("Journal Santé" in t for t in titles)
    login(client, camille.email, PASSWORD)
    assert "Journal Santé" in client.get("/espace/notifications").get_data(as_text=True)
    submit(client, "/espace/notifications", {"in_app[]": ["first_write"], "email[]": []})
    from ens_core.notifications.services import preference

    assert preference(camille, "new_connection") == (False, False)
    assert preference(camille, "first_write") == (True, False)


def test_login_from_an_unknown_device_is_notified(client, app, app_ctx):
    camille = _citizen()
    login(client, camille.email, PASSWORD)  # first device ever: nothing to compare with
    client.post("/logout", data={"csrf_token": ""})
    login(client, camille.email, PASSWORD)  # same browser (device cookie): known
    other = app.test_client()
    login(other, camille.email, PASSWORD)
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == camille.id)
    ).all()
    assert kinds.count("unknown_device") == 1


def test_abuse_report_form(client, app_ctx):
    from catalogue.models import ServiceStatus

    camille = _citizen()
    service = make_service(status=ServiceStatus.REFERENCED, name="Respire Mieux")
    db.session.commit()
    login(client, camille.email, PASSWORD)
    bad = submit(
        client,
        "/espace/signaler",
        {"service": str(service.id), "category": "advertising", "description": "court"},
    )
    assert bad.status_code == 400 and "error-summary" in bad.get_data(as_text=True)
    ok = submit(
        client,
        "/espace/signaler",
        {
            "service": str(service.id),
            "category": "advertising",
            "description": "Je reçois des publicités basées sur ma tension.",
        },
    )
    assert ok.status_code == 302
    reports = list_abuse_reports()
    assert [(r.service_id, r.reporter_id) for r in reports if r.service_id == service.id] == [
        (service.id, camille.id)
    ]
    assert isinstance(reports[0], AbuseReport)


def test_guardian_switches_profile_and_cannot_see_hidden(client, app_ctx):
    from tests.authz.support import fhir_token

    today = utcnow().date()
    karim = _citizen(name="Karim Benali")
    lea = _citizen(name="Léa Benali", birth_date=date(today.year - 16, 1, 1))
    shown, secret = make_service(name="Journal Santé"), make_service(name="Sommeil Serein")
    fhir_token(lea, shown, "patient/Observation.rs")
    fhir_token(lea, secret, "patient/Observation.rs")
    hidden_doc = make_document(lea, "Consultation confidentielle")
    make_document(lea, "Certificat sport")
    delegation.link_guardian(None, karim, lea, GuardianshipKind.MINOR)
    db.session.commit()

    login(client, lea.email, PASSWORD)
    submit(client, "/espace/confidentialite", {"target": f"service:{secret.id}", "hidden": "true"})
    submit(
        client,
        "/espace/confidentialite",
        {"target": f"document:{hidden_doc.public_id}", "hidden": "true"},
    )
    client.post("/logout", data={})

    guardian = client.application.test_client()
    login(guardian, karim.email, PASSWORD)
    submit(guardian, "/espace/profil", {"ward": str(lea.id)}, form_url="/espace")
    page = guardian.get("/espace/services").get_data(as_text=True)
    assert "Vous agissez pour Léa Benali" in page
    assert "Journal Santé" in page and "Sommeil Serein" not in page
    data = guardian.get("/espace/donnees").get_data(as_text=True)
    assert "Certificat sport" in data and "Consultation confidentielle" not in data
    assert guardian.get(f"/espace/documents/{hidden_doc.public_id}").status_code == 404
    assert "Sommeil Serein" not in guardian.get("/espace/historique").get_data(as_text=True)
    assert guardian.get("/espace/confidentialite").status_code == 403


def test_a_guardians_view_is_logged_even_when_the_page_answers_400(client, app_ctx):
    today = utcnow().date()
    karim = _citizen(name="Karim Benali")
    lea = _citizen(name="Léa Benali", birth_date=date(today.year - 16, 1, 1))
    delegation.link_guardian(None, karim, lea, GuardianshipKind.MINOR)
    db.session.commit()
    login(client, karim.email, PASSWORD)
    submit(client, "/espace/profil", {"ward": str(lea.id)}, form_url="/espace")

    page = client.get("/espace/historique?page=0")  # a filter out of range

    assert page.status_code == 400
    logged = db.session.scalars(
        select(AccessLogEntry).where(
            AccessLogEntry.citizen_id == lea.id, AccessLogEntry.resource_type == "AccessLog"
        )
    ).all()
    assert [(e.actor_kind, e.actor_name) for e in logged] == [("delegate", "Karim Benali")]


def test_agent_links_a_guardian(client, app_ctx):
    agent = make_user(Role.AGENT)
    karim = _citizen()
    adult = _citizen(birth_date=date(1940, 2, 2))
    db.session.commit()
    login(client, agent.email, PASSWORD)
    wrong = submit(
        client,
        "/agent/tutelles",
        {"guardian_email": karim.email, "ward_email": adult.email, "kind": "minor"},
    )
    assert wrong.status_code == 400
    ok = submit(
        client,
        "/agent/tutelles",
        {
            "guardian_email": karim.email,
            "ward_email": adult.email,
            "kind": "curatelle",
            "reference": "TJ Paris 2025/123",
        },
    )
    assert ok.status_code == 302
    assert delegation.can_act_for(karim, adult)
    citizen_client = client.application.test_client()
    login(citizen_client, karim.email, PASSWORD)
    assert citizen_client.get("/agent/tutelles").status_code == 403
