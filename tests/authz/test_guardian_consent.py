"""A guardian consents for a person they represent, through the health space's
``can_act_for`` and ``wards_of`` (replaced here by stand-ins)."""

from __future__ import annotations

import pytest

from authz.consent import grant_of
from ens_core.accounts.models import Role
from ens_core.health import delegation
from tests.authz.flow import authorize_path, consent, exchange, login_citizen, pkce, query_of
from tests.factories import make_user


@pytest.fixture
def family(app_ctx, monkeypatch):
    parent = make_user(Role.CITIZEN)
    child = make_user(Role.CITIZEN, name="Léa Enfant")
    monkeypatch.setattr(
        delegation,
        "can_act_for",
        lambda guardian, citizen: (guardian.id, citizen.id) == (parent.id, child.id),
    )
    monkeypatch.setattr(
        delegation, "wards_of", lambda guardian: [child] if guardian.id == parent.id else []
    )
    return parent, child


def test_guardian_consents_for_their_ward(client, public, service, family):
    parent, child = family
    login_citizen(client, parent)
    verifier, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge)
    page = client.get(path).get_data(as_text=True)
    assert "Léa Enfant" in page
    response = consent(client, path, acting_for=str(child.id))
    grant = grant_of(child, service)
    assert grant.consented_by_id == parent.id
    assert grant_of(parent, service) is None
    body = exchange(client, public, query_of(response)["code"], verifier).get_json()
    from authz.tokens import pairwise_id

    assert body["patient"] == pairwise_id(child.id, service.id)


def test_guardian_path_is_closed_without_a_guardianship(app_ctx):
    one, two = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    assert not delegation.can_act_for(one, two)
    assert delegation.wards_of(one) == []
