"""Percent agreement and Cohen's κ against hand-computed examples (exact fractions)."""

from fractions import Fraction

from review.dossiers.agreement import cohen_kappa, compare
from review.dossiers.models import Verdict

C, NC, NA = Verdict.COMPLIANT, Verdict.NON_COMPLIANT, Verdict.NOT_APPLICABLE


def test_perfect_agreement_gives_kappa_one():
    ratings = {"SEC-01": C, "SEC-02": C, "SEC-03": NC, "ETH-01": NA}
    result = compare(ratings, dict(ratings))
    # p_o = 1; p_e = 1/2·1/2 + 1/4·1/4 + 1/4·1/4 = 3/8; κ = (1 − 3/8) / (1 − 3/8) = 1
    assert (result.compared, result.agreed) == (4, 4)
    assert result.percent == 1
    assert result.kappa == 1
    assert result.divergences == ()


def test_chance_level_agreement_gives_kappa_zero():
    first = {"SEC-01": C, "SEC-02": C, "SEC-03": NC, "SEC-04": NC}
    second = {"SEC-01": C, "SEC-02": NC, "SEC-03": C, "SEC-04": NC}
    result = compare(first, second)
    # p_o = 2/4; each gives C half the time: p_e = 1/2·1/2 + 1/2·1/2 = 1/2; κ = 0
    assert result.percent == Fraction(1, 2)
    assert result.kappa == 0
    assert result.divergences == ("SEC-02", "SEC-03")


def test_textbook_two_by_two_table():
    # 20 both C, 5 first C / second NC, 10 first NC / second C, 15 both NC (50 criteria)
    pairs = [(C, C)] * 20 + [(C, NC)] * 5 + [(NC, C)] * 10 + [(NC, NC)] * 15
    result = cohen_kappa(pairs)
    # p_o = 35/50 = 7/10; p_e = 25/50·30/50 + 25/50·20/50 = 3/10 + 1/5 = 1/2
    # κ = (7/10 − 1/2) / (1 − 1/2) = 2/5
    assert result.percent == Fraction(7, 10)
    assert result.kappa == Fraction(2, 5)


def test_complete_disagreement_gives_a_negative_kappa():
    result = compare({"A": C, "B": NC}, {"A": NC, "B": C})
    # p_o = 0; p_e = 1/2·1/2 + 1/2·1/2 = 1/2; κ = (0 − 1/2) / (1/2) = −1
    assert result.percent == 0
    assert result.kappa == -1


def test_a_criterion_only_one_agent_rated_is_left_out():
    first = {"SEC-01": C, "SEC-02": NC, "SEC-03": C, "SEC-04": NC}
    second = {"SEC-01": C, "SEC-02": C, "SEC-03": None}  # SEC-03 blank, SEC-04 absent
    result = compare(first, second)
    # compared: SEC-01, SEC-02 only. p_o = 1/2; first: C 1/2, NC 1/2; second: C 1
    # p_e = 1/2·1 = 1/2; κ = (1/2 − 1/2) / (1/2) = 0
    assert (result.compared, result.agreed) == (2, 1)
    assert result.percent == Fraction(1, 2)
    assert result.kappa == 0
    assert result.divergences == ("SEC-02",)


def test_both_agents_using_one_same_category_leave_kappa_undefined():
    ratings = {"SEC-01": C, "SEC-02": C, "SEC-03": C}
    result = compare(ratings, dict(ratings))
    # p_e = 1: κ = 0/0, undefined ("non calculable"); the percent agreement stands
    assert result.percent == 1
    assert result.kappa is None and not result.kappa_defined


def test_each_agent_with_its_own_single_category_gives_kappa_zero():
    result = compare({"A": C, "B": C}, {"A": NC, "B": NC})
    # p_o = 0, p_e = 0 (no category in common): κ = 0
    assert result.kappa == 0 and result.percent == 0


def test_nothing_compared_gives_no_figure():
    result = compare({"SEC-01": C}, {"SEC-02": C})
    assert result.compared == 0
    assert result.percent is None and result.kappa is None
