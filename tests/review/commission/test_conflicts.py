from datetime import date

import pytest

from catalogue.models import OwnerDeclaration
from ens_core.db import db
from review.commission import policies, services
from review.commission.matching import normalise_name
from review.commission.models import College, ConflictStatus, Section, Sector
from tests.factories import (
    make_commission_session,
    make_evaluated_dossier,
    make_member,
    make_organisation,
    make_service,
)


def link(name, siren=None, starts=date(2023, 1, 1), ends=None):
    return {
        "section": Section.CONSULTING,
        "organisation_name": name,
        "organisation_siren": siren,
        "sector": Sector.EHEALTH_EDITOR,
        "nature": "Conseil",
        "starts_on": starts,
        "ends_on": ends,
        "amount_eur": None,
    }


@pytest.mark.parametrize(
    "a,b",
    [
        ("Santé Connect SAS", "SANTE CONNECT"),
        ("Santé-Connect S.A.S.", "sante connect"),
        ("MamaCare GmbH", "Mamacare"),
        ("Nordic Health AS", "Nordic Health"),
        ("BrightPath Holdings Inc.", "Brightpath Holdings"),
        ("Globex Ltd", "GLOBEX SARL"),
    ],
)
def test_names_are_normalised(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_different_names_do_not_match():
    assert normalise_name("Santé Connect") != normalise_name("Santé Connexion")


def _setup(links, organisation=None):
    organisation = organisation or make_organisation(
        legal_name="Santé Connect SAS", siren="732829320"
    )
    dossier = make_evaluated_dossier(make_service(organisation))
    session = make_commission_session()
    member = make_member(College.SECURITY_EXPERT, declared=False)
    services.file_declaration(member, links)
    item = services.put_on_agenda(_agent(session), session, dossier)
    return item, member


def _agent(session):
    from ens_core.accounts.models import User

    return db.session.get(User, session.created_by_id)


def test_match_by_siren_even_under_another_name(app_ctx):
    item, member = _setup([link("SC Groupe", siren="732829320")])
    assert [(c.member_id, c.matched_on) for c in item.conflicts] == [(member.id, "siren")]


def test_match_by_normalised_name(app_ctx):
    item, member = _setup([link("SANTE-CONNECT S.A.S")])
    assert [(c.member_id, c.matched_on) for c in item.conflicts] == [(member.id, "name")]


def test_match_with_a_controlling_owner_and_its_parent_group(app_ctx):
    organisation = make_organisation(legal_name="BrightPath Santé SAS", country="FR")
    db.session.add(
        OwnerDeclaration(
            organisation_id=organisation.id,
            entity_name="BrightPath Holdings Inc.",
            entity_siren=None,
            parent_group="Apex Capital Group LLC",
            country="US",
            share_percent=70,
            effective_from=date(2020, 1, 1),
        )
    )
    db.session.flush()
    item, _member = _setup(
        [link("Brightpath Holdings"), link("APEX CAPITAL GROUP")], organisation=organisation
    )
    assert sorted(c.matched_on for c in item.conflicts) == ["name", "parent_group"]


def test_links_older_than_five_years_are_ignored(app_ctx):
    item, _member = _setup([link("Santé Connect", starts=date(2010, 1, 1), ends=date(2015, 1, 1))])
    assert item.conflicts == []


def test_chair_confirms_a_conflict_and_the_member_is_recused(app_ctx):
    item, member = _setup([link("Santé Connect")])
    chair = item.session.presiding_member
    services.decide_conflict(chair.user, item.conflicts[0], confirm=True, reason="")
    assert item.conflicts[0].status is ConflictStatus.CONFIRMED
    assert member.id in item.recused_member_ids
    assert not policies.can_see_dossier(member, item.dossier)


def test_dismissing_a_conflict_requires_a_written_reason(app_ctx):
    item, member = _setup([link("Santé Connect")])
    chair = item.session.presiding_member
    with pytest.raises(services.CommissionError):
        services.decide_conflict(chair.user, item.conflicts[0], confirm=False, reason=" ")
    services.decide_conflict(
        chair.user, item.conflicts[0], confirm=False, reason="Homonyme sans lien capitalistique"
    )
    assert item.conflicts[0].status is ConflictStatus.DISMISSED
    assert member.id not in item.recused_member_ids
    assert policies.can_see_dossier(member, item.dossier)


def test_a_member_can_recuse_themself(app_ctx):
    item, member = _setup([])
    other = make_member()
    services.recuse_self(other, item, reason="Proche de l'éditeur")
    assert other.id in item.recused_member_ids
    assert not policies.can_see_dossier(other, item.dossier)
    assert policies.can_see_dossier(member, item.dossier)


def test_deliberation_waits_for_the_chair_to_examine_conflicts(app_ctx):
    item, _member = _setup([link("Santé Connect")])
    with pytest.raises(services.CommissionError):
        services.open_deliberation(_agent(item.session), item)
