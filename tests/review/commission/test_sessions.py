from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.notifications.models import Notification
from review.commission import policies, services
from review.commission.models import College, ItemStatus, VoteChoice
from review.dossiers.models import DossierState
from tests.factories import (
    make_commission_session,
    make_evaluated_dossier,
    make_member,
    make_service,
    make_user,
)

V = VoteChoice


@pytest.fixture
def board(app_ctx):
    """A chair and 5 other members in office; a session with one evaluated dossier."""
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    others = [make_member() for _ in range(5)]
    session = make_commission_session(chair, agent=agent)
    item = services.put_on_agenda(agent, session, make_evaluated_dossier())
    return agent, chair, others, session, item


def _in_office_count():
    from datetime import date

    return len(services.members_with_mandate_on(date.today() + timedelta(days=7)))


def test_only_evaluated_dossiers_go_on_the_agenda(board):
    agent, _chair, _others, session, item = board
    assert item.dossier.state is DossierState.SCHEDULED
    with pytest.raises(services.CommissionError):
        services.put_on_agenda(agent, session, item.dossier)
    from review.dossiers.models import Dossier

    draft = Dossier(service_id=make_service().id)
    db.session.add(draft)
    db.session.flush()
    with pytest.raises(services.CommissionError):
        services.put_on_agenda(agent, session, draft)


def test_convocations_notify_members_in_office(board):
    agent, chair, others, session, _item = board
    count = services.convene(agent, session)
    assert count == _in_office_count()
    for member in [chair, *others]:
        assert db.session.scalar(
            select(Notification).where(
                Notification.user_id == member.user_id,
                Notification.kind == "commission.convocation",
            )
        )


def test_attendance_refuses_a_member_who_cannot_sit(board):
    agent, chair, _others, session, _item = board
    stale = make_member(declared=False)
    with pytest.raises(services.CommissionError) as error:
        services.record_attendance(agent, session, {chair.id, stale.id})
    assert "Déclaration" in error.value.message


def test_quorum_excludes_recused_members(board):
    agent, chair, others, session, item = board
    eligible_before = services.quorum_for(item).eligible
    services.recuse_self(others[0], item, reason="")
    services.recuse_self(others[1], item, reason="")
    quorum = services.quorum_for(item)
    assert quorum.eligible == eligible_before - 2
    present = set(m.id for m in [chair, others[2], others[3]]) | {others[0].id}
    present_in_office = _in_office_count() - 2
    services.record_attendance(agent, session, present)
    quorum = services.quorum_for(item)
    assert quorum.present == 3  # the recused member present is not counted
    assert quorum.required == (present_in_office + 1) // 2
    assert quorum.met == (quorum.required <= 3)


def test_without_quorum_the_item_is_postponed_then_reconvened(board):
    agent, chair, others, session, item = board
    services.record_attendance(agent, session, {chair.id})
    assert services.open_deliberation(agent, item) is False
    assert item.status is ItemStatus.POSTPONED
    assert item.quorum_met is False
    assert item.dossier.state is DossierState.SCHEDULED
    new = services.reconvene(agent, session, held_at=session.held_at + timedelta(days=7))
    assert new.is_reconvened
    [new_item] = new.items
    assert item.postponed_to_id == new_item.id
    services.record_attendance(agent, new, {chair.id, others[0].id})
    assert services.open_deliberation(agent, new_item) is True
    assert new_item.without_quorum is True and new_item.quorum_met is False
    services.cast_vote(chair, new_item, V.FAVOURABLE)
    assert services.close_item(agent, new_item) is V.FAVOURABLE
    assert new_item.dossier.state is DossierState.OPINION_GIVEN


def test_recusals_are_carried_to_the_reconvened_session(board):
    agent, chair, others, session, item = board
    services.recuse_self(others[0], item, reason="")
    services.record_attendance(agent, session, {chair.id})
    services.open_deliberation(agent, item)
    new = services.reconvene(agent, session, held_at=session.held_at + timedelta(days=7))
    assert others[0].id in new.items[0].recused_member_ids


def _vote_all(agent, session, item, votes, chair=None):
    voters = list(votes)
    services.record_attendance(agent, session, {m.id for m, _c in voters})
    assert services.open_deliberation(agent, item)
    for member, choice in voters:
        text = "Réserve" if choice.needs_reservations else ""
        services.cast_vote(member, item, choice, text)
    return services.close_item(agent, item)


@pytest.mark.parametrize(
    "choices,expected",
    [
        ([V.FAVOURABLE, V.FAVOURABLE, V.UNFAVOURABLE, V.ABSTAIN], V.FAVOURABLE),
        ([V.FAVOURABLE_NON_SUSPENSIVE] * 2 + [V.FAVOURABLE], V.FAVOURABLE_NON_SUSPENSIVE),
        ([V.FAVOURABLE_SUSPENSIVE] * 3 + [V.ABSTAIN] * 2, V.FAVOURABLE_SUSPENSIVE),
        ([V.UNFAVOURABLE] * 2 + [V.FAVOURABLE, V.ABSTAIN, V.ABSTAIN], V.UNFAVOURABLE),
    ],
)
def test_the_four_opinion_levels_and_abstentions(board, choices, expected):
    agent, chair, others, session, item = board
    members = [chair, *others][: len(choices)]
    opinion = _vote_all(agent, session, item, zip(members, choices, strict=True))
    assert opinion is expected
    assert item.opinion is expected
    assert item.dossier.state is DossierState.OPINION_GIVEN
    if expected.needs_reservations:
        assert "Réserve" in item.opinion_reservations


@pytest.mark.parametrize(
    "choices,expected,broken_by_chair",
    [
        # The presiding co-chair's vote decides the tie.
        (
            [V.FAVOURABLE, V.UNFAVOURABLE, V.FAVOURABLE, V.UNFAVOURABLE, V.ABSTAIN],
            V.FAVOURABLE,
            True,
        ),
        # A tie the chair does not break goes to the more reserved choice.
        ([V.ABSTAIN, V.UNFAVOURABLE, V.FAVOURABLE, V.ABSTAIN], V.UNFAVOURABLE, False),
    ],
    ids=["decided-by-the-presiding-co-chair", "not-broken-goes-to-the-more-reserved-choice"],
)
def test_a_tie(board, choices, expected, broken_by_chair):
    agent, chair, others, session, item = board
    votes = zip([chair, *others][: len(choices)], choices, strict=True)
    assert _vote_all(agent, session, item, votes) is expected
    assert bool(item.tie_broken_by_chair) is broken_by_chair


def test_one_vote_per_member_and_item(board):
    agent, chair, others, session, item = board
    services.record_attendance(agent, session, {chair.id, others[0].id, others[1].id})
    services.open_deliberation(agent, item)
    assert services.cast_vote(chair, item, V.FAVOURABLE) is not None
    assert services.cast_vote(chair, item, V.UNFAVOURABLE) is None
    assert [v.choice for v in item.votes] == [V.FAVOURABLE]


def test_reservations_need_text_and_absent_or_recused_members_cannot_vote(board):
    agent, chair, others, session, item = board
    services.recuse_self(others[1], item, reason="")
    services.record_attendance(agent, session, {chair.id, others[0].id, others[1].id, others[2].id})
    services.open_deliberation(agent, item)
    with pytest.raises(services.CommissionError):
        services.cast_vote(chair, item, V.FAVOURABLE_SUSPENSIVE, "  ")
    with pytest.raises(services.CommissionError) as error:
        services.cast_vote(others[3], item, V.FAVOURABLE)
    assert "présents" in error.value.message
    with pytest.raises(services.CommissionError) as error:
        services.cast_vote(others[1], item, V.FAVOURABLE)
    assert "déporté" in error.value.message
    assert not policies.can_vote(others[1], item)
    assert policies.can_vote(others[0], item)


def test_no_cast_vote_means_no_opinion(board):
    agent, chair, others, session, item = board
    services.record_attendance(agent, session, {chair.id, others[0].id, others[1].id})
    services.open_deliberation(agent, item)
    services.cast_vote(chair, item, V.ABSTAIN)
    with pytest.raises(services.CommissionError):
        services.close_item(agent, item)


def test_session_closes_only_when_every_item_is_settled(board):
    agent, _chair, _others, session, item = board
    with pytest.raises(services.CommissionError):
        services.close_session(agent, session)
    services.withdraw_from_agenda(agent, item)
    assert item.dossier.state is DossierState.EVALUATED
    services.close_session(agent, session)


def test_presiding_member_must_be_a_co_chair(app_ctx):
    citizen = make_member(College.CITIZEN)
    with pytest.raises(services.CommissionError):
        services.create_session(
            make_user(Role.AGENT), title="Séance", held_at=datetime.now(UTC), presiding=citizen
        )


def test_a_withdrawn_dossier_can_be_put_back_on_the_agenda(board):
    agent, _chair, _others, session, item = board
    services.withdraw_from_agenda(agent, item)
    again = services.put_on_agenda(agent, session, item.dossier)
    assert again.id == item.id and again.status is ItemStatus.PENDING
    assert item.dossier.state is DossierState.SCHEDULED


def test_a_new_item_on_a_reconvened_session_still_needs_quorum(board):
    agent, chair, _others, session, item = board
    services.record_attendance(agent, session, {chair.id})
    services.open_deliberation(agent, item)
    new = services.reconvene(agent, session, held_at=session.held_at + timedelta(days=7))
    fresh = services.put_on_agenda(agent, new, make_evaluated_dossier())
    services.record_attendance(agent, new, {chair.id})
    assert services.open_deliberation(agent, fresh) is False
    assert fresh.status is ItemStatus.POSTPONED
