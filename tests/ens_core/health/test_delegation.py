"""Guardianship rules: digital majority at 15, end at 18, what a guardian never sees."""

from __future__ import annotations

from datetime import date

import pytest

from ens_core.accounts.models import Role
from ens_core.health import dashboard, delegation
from ens_core.health.models import GuardianshipKind
from ens_core.health.services import Visibility, search_documents
from tests.factories import make_document, make_service, make_user

TODAY = date(2026, 11, 23)


def _pair(ward_birth):
    guardian = make_user(Role.CITIZEN, name="Karim")
    ward = make_user(Role.CITIZEN, name="Léa", birth_date=ward_birth)
    return guardian, ward


def test_guardianship_of_a_minor_ends_on_the_18th_birthday(app_ctx):
    guardian, ward = _pair(date(2008, 11, 24))
    delegation.link_guardian(None, guardian, ward, GuardianshipKind.MINOR, on=TODAY)
    assert delegation.can_act_for(guardian, ward, on=date(2026, 11, 23))
    assert not delegation.can_act_for(guardian, ward, on=date(2026, 11, 24))
    assert not delegation.can_act_for(ward, guardian, on=TODAY)
    assert not delegation.can_act_for(make_user(Role.CITIZEN), ward, on=TODAY)


def test_link_kind_must_fit_the_age(app_ctx):
    guardian, adult = _pair(date(1950, 1, 1))
    with pytest.raises(delegation.DelegationError):
        delegation.link_guardian(None, guardian, adult, GuardianshipKind.MINOR, on=TODAY)
    link = delegation.link_guardian(None, guardian, adult, GuardianshipKind.TUTELLE, on=TODAY)
    assert delegation.can_act_for(guardian, adult, on=TODAY)
    delegation.end_link(None, link)
    assert not delegation.can_act_for(guardian, adult)


def test_hiding_from_guardian_starts_at_15(app_ctx):
    assert not delegation.can_hide_from_guardian(
        make_user(Role.CITIZEN, birth_date=date(2011, 11, 24)), on=TODAY
    )
    assert delegation.can_hide_from_guardian(
        make_user(Role.CITIZEN, birth_date=date(2011, 11, 23)), on=TODAY
    )
    fourteen = make_user(Role.CITIZEN, birth_date=date(2013, 1, 1))
    with pytest.raises(delegation.DelegationError):
        delegation.set_hidden_from_guardian(fourteen, service_id=make_service().id, hidden=True)


def test_guardian_never_sees_what_the_minor_hid(app_ctx):
    from tests.authz.support import fhir_token

    guardian, ward = _pair(date(2010, 1, 15))
    delegation.link_guardian(None, guardian, ward, GuardianshipKind.MINOR)
    shown, secret = make_service(name="Journal"), make_service(name="Secret")
    fhir_token(ward, shown, "patient/Observation.rs")
    fhir_token(ward, secret, "patient/Observation.rs")
    visible_doc = make_document(ward, "Certificat sport")
    hidden_doc = make_document(ward, "Centre de santé sexuelle")
    delegation.set_hidden_from_guardian(ward, service_id=secret.id, hidden=True)
    delegation.set_hidden_from_guardian(ward, document_id=hidden_doc.id, hidden=True)

    names = [c.service.name for c in dashboard.connected_services(ward, guardian)]
    assert names == ["Journal"]
    assert {c.service.name for c in dashboard.connected_services(ward, ward)} == {
        "Journal",
        "Secret",
    }
    docs = search_documents(Visibility.of(ward, guardian=guardian)).items
    assert docs == [visible_doc]
    secret_grant = next(
        c.grant for c in dashboard.connected_services(ward, ward) if c.service.id == secret.id
    )
    assert dashboard.grant_of_citizen(ward, secret_grant.id, guardian) is None
    assert dashboard.grant_of_citizen(ward, secret_grant.id, ward) is secret_grant


def test_guardian_actions_are_logged_as_acting_for(app_ctx):
    guardian, ward = _pair(date(2012, 5, 5))
    delegation.link_guardian(None, guardian, ward, GuardianshipKind.MINOR)
    dashboard.build_export(ward, guardian, ip="192.0.2.1")
    entries, total, _page, _pages = dashboard.history(ward, ward)
    assert total == 1
    assert (entries[0].actor_kind, entries[0].actor_name, entries[0].interaction) == (
        "delegate",
        "Karim",
        "export",
    )
