"""Consent receipts (JSON and page) and the grant recorded by consent."""

from __future__ import annotations

from authz.consent import grant_of, receipts_of
from authz.models import ConsentReceipt
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import get_code, login_citizen
from tests.factories import make_user


def test_consent_records_a_grant_and_a_receipt(client, public, citizen, service):
    get_code(
        client,
        public,
        "patient/Observation.rs patient/Observation.cu offline_access",
        citizen=citizen,
        scopes=["patient/Observation.rs", "offline_access"],
        months="6",
    )
    grant = grant_of(citizen, service)
    assert grant.scopes == "patient/Observation.rs offline_access"
    assert grant.consented_by_id == citizen.id
    assert 180 <= (grant.expires_at - grant.created_at).days <= 185
    assert grant.purpose == "care"
    (receipt,) = receipts_of(citizen)
    doc = receipt.document
    assert [line["scope"] for line in doc["scopes"]] == ["patient/Observation.rs", "offline_access"]
    assert doc["scopes"][0]["purpose"] == "care"
    assert doc["scopes"][0]["retention_days"] == 365
    assert doc["service"]["hosting_countries"] == ["FR"]
    assert doc["refresh_allowed"] is True


def test_reconsent_updates_the_single_grant(client, public, citizen, service):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    get_code(client, public, "patient/Observation.rs patient/Observation.cu")
    grant = grant_of(citizen, service)
    assert grant.scopes == "patient/Observation.rs patient/Observation.cu"
    assert len(receipts_of(citizen)) == 2


def test_receipt_page_and_json_are_for_the_citizen_only(client, public, citizen):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    receipt = db.session.query(ConsentReceipt).one()
    page = client.get(f"/oauth/recus/{receipt.public_id}")
    assert page.status_code == 200
    assert "Reçu de consentement" in page.get_data(as_text=True)
    data = client.get(f"/oauth/recus/{receipt.public_id}.json")
    assert data.get_json()["receipt_id"] == receipt.public_id
    other = make_user(Role.CITIZEN)
    with client.session_transaction() as session:
        session.clear()
    login_citizen(client, other)
    assert client.get(f"/oauth/recus/{receipt.public_id}").status_code == 404
    assert client.get(f"/oauth/recus/{receipt.public_id}.json").status_code == 404


def test_receipt_requires_login(client, public, citizen):
    get_code(client, public, "patient/Observation.rs", citizen=citizen)
    receipt = db.session.query(ConsentReceipt).one()
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/oauth/recus/{receipt.public_id}").status_code == 302
    assert client.get(f"/oauth/recus/{receipt.public_id}.json").status_code == 401
