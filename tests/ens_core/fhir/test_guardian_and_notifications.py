"""A service connected by a guardian, and the notifications FHIR writes trigger."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from authz.models import Grant
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.health import dashboard, delegation
from ens_core.health.models import AccessLogEntry, GuardianshipKind
from ens_core.health.notifications import notify_expiring_grants
from ens_core.notifications.models import Notification
from tests.authz.support import fhir_token
from tests.ens_core.fhir.conftest import observation
from tests.factories import make_document, make_service, make_user


def test_service_consented_by_a_guardian_never_sees_what_the_minor_hid(client, app_ctx):
    today = utcnow().date()
    karim = make_user(Role.CITIZEN, name="Karim")
    lea = make_user(Role.CITIZEN, name="Léa", birth_date=date(today.year - 16, 1, 1))
    delegation.link_guardian(None, karim, lea, GuardianshipKind.MINOR)
    service = make_service(name="Carnet parental")
    token = fhir_token(
        lea, service, "launch/patient patient/DocumentReference.rs", consented_by=karim
    )
    shown = make_document(lea, "Certificat sport")
    secret = make_document(lea, "Consultation confidentielle")
    delegation.set_hidden_from_guardian(lea, document_id=secret.id, hidden=True)
    headers = {"Authorization": f"Bearer {token}"}
    found = client.get("/fhir/DocumentReference", headers=headers).get_json()
    assert [e["resource"]["id"] for e in found["entry"]] == [shown.public_id]
    assert (
        client.get(f"/fhir/DocumentReference/{secret.public_id}", headers=headers).status_code
        == 404
    )
    entry = db.session.scalars(
        select(AccessLogEntry)
        .where(AccessLogEntry.citizen_id == lea.id)
        .order_by(AccessLogEntry.seq)
    ).first()
    assert (entry.service_name, entry.actor_name) == ("Carnet parental", "Karim")


def test_first_write_by_a_service_is_notified_once(client, app_ctx):
    camille = make_user(Role.CITIZEN)
    service = make_service(name="Pas à Pas")
    token = fhir_token(camille, service, "launch/patient patient/Observation.cu")
    from authz.tokens import pairwise_id

    pid = pairwise_id(camille.id, service.id)
    headers = {"Authorization": f"Bearer {token}"}
    for value in (70, 71):
        response = client.post(
            "/fhir/Observation",
            json=observation(pid, value=value),
            headers=headers,
            content_type="application/fhir+json",
        )
        assert response.status_code == 201
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == camille.id)
    ).all()
    assert kinds.count("first_write") == 1


def test_expiring_grant_is_notified_once_and_can_be_renewed(app_ctx):
    camille = make_user(Role.CITIZEN)
    fhir_token(camille, make_service(name="Glyco Carnet"), "patient/Observation.rs")
    grant = db.session.scalar(select(Grant).where(Grant.citizen_id == camille.id))
    grant.created_at = utcnow() - timedelta(days=355)  # a one-year consent, 10 days left
    grant.expires_at = utcnow() + timedelta(days=10)
    db.session.flush()
    assert notify_expiring_grants(camille) == 1
    assert notify_expiring_grants(camille) == 0
    items = dashboard.connected_services(camille, camille)
    assert items[0].expiring_soon
    dashboard.renew(camille, grant)
    assert grant.expires_at > utcnow() + timedelta(days=360)
