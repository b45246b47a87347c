"""A guardian consents for a person they represent, through the health space's
``can_act_for`` (replaced here by a stand-in module when the real one is absent)."""

from __future__ import annotations

import sys
import types

import pytest

from authz import delegation
from authz.consent import grant_of
from ens_core.accounts.models import Role
from tests.authz.flow import authorize_path, consent, exchange, login_citizen, pkce, query_of
from tests.factories import make_user


@pytest.fixture
def family(app_ctx, monkeypatch):
    parent = make_user(Role.CITIZEN)
    child = make_user(Role.CITIZEN, name="Léa Enfant")
    module = types.ModuleType("ens_core.health.delegation")
    module.can_act_for = lambda guardian, citizen: (
        (guardian.id, citizen.id) == (parent.id, child.id)
    )
    module.wards_of = lambda guardian: [child] if guardian.id == parent.id else []
    monkeypatch.setitem(sys.modules, "ens_core.health.delegation", module)
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


def test_guardian_path_is_closed_without_can_act_for(app_ctx, monkeypatch):
    monkeypatch.setitem(sys.modules, "ens_core.health.delegation", types.ModuleType("empty"))
    one, two = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    assert not delegation.guardian_path_available()
    assert not delegation.can_act_for(one, two)
    assert delegation.wards_of(one) == []
