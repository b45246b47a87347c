from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from review.commission import policies, services
from review.commission.models import College
from tests.factories import make_commission_session, make_member


def test_default_mandate_lasts_two_years(app_ctx):
    member = make_member(starts_on=date(2026, 1, 1))
    mandate = member.mandates[0]
    assert mandate.ends_on == date(2027, 12, 31)
    assert mandate.consecutive_number == 1


@pytest.mark.parametrize("years", [1, 5])
def test_mandate_outside_two_to_four_years_is_refused(app_ctx, years):
    with pytest.raises(services.CommissionError) as error:
        make_member(starts_on=date(2026, 1, 1), ends_on=date(2026 + years, 1, 1))
    assert "2 à 4 ans" in error.value.message


def test_four_year_mandate_is_allowed(app_ctx):
    member = make_member(starts_on=date(2026, 1, 1), ends_on=date(2029, 12, 31))
    assert member.mandates[0].ends_on == date(2029, 12, 31)


def test_third_consecutive_mandate_is_refused_with_a_reason(app_ctx):
    member = make_member(College.MEDICAL_EXPERT, starts_on=date(2020, 1, 1))
    second = services.add_mandate(
        None, member, college=College.MEDICAL_EXPERT, starts_on=date(2022, 1, 1)
    )
    assert second.consecutive_number == 2
    with pytest.raises(services.CommissionError) as error:
        services.add_mandate(
            None, member, college=College.MEDICAL_EXPERT, starts_on=date(2024, 1, 1)
        )
    assert "troisième mandat consécutif" in error.value.message
    assert len(member.mandates) == 2  # history unchanged


def test_a_break_of_a_full_term_resets_the_count(app_ctx):
    member = make_member(starts_on=date(2014, 1, 1))
    services.add_mandate(None, member, college=College.CITIZEN, starts_on=date(2016, 1, 1))
    third = services.add_mandate(None, member, college=College.CITIZEN, starts_on=date(2020, 1, 1))
    assert third.consecutive_number == 1
    assert [m.starts_on.year for m in member.mandates] == [2014, 2016, 2020]


def test_overlapping_mandates_are_refused(app_ctx):
    member = make_member(starts_on=date(2026, 1, 1))
    with pytest.raises(services.CommissionError):
        services.add_mandate(None, member, college=College.CITIZEN, starts_on=date(2027, 1, 1))


def test_member_outside_a_mandate_cannot_sit_see_or_vote(app_ctx):
    expired = make_member(starts_on=date.today() - relativedelta(years=3))
    session = make_commission_session()
    assert not policies.can_sit(expired, session)
    assert not policies.can_see_agenda(expired)
    assert "Pas de mandat" in policies.sitting_refusal(expired, session)


def test_future_mandate_does_not_allow_sitting_today(app_ctx):
    member = make_member(starts_on=date.today() + timedelta(days=30))
    session = make_commission_session(held_at=datetime.now(UTC) + timedelta(days=1))
    assert not policies.can_sit(member, session)
