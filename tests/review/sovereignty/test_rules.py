"""The pure rules engine at date boundaries (no database)."""

from datetime import date

from review.sovereignty.registry import Period, Registry
from review.sovereignty.rules import (
    HDS_EXPIRED,
    HDS_MISSING,
    HOSTING_OUTSIDE_EEA,
    OWNER_OUTSIDE_EU,
    HostingFact,
    OwnerFact,
    ServiceFacts,
    evaluate,
)

LEAVE = date(2027, 3, 1)
REGISTRY = Registry(
    {
        "FR": [Period("eu", date(1958, 1, 1))],
        "DE": [Period("eu", date(1958, 1, 1))],
        "NO": [Period("eea", date(1994, 1, 1), LEAVE)],
        "GB": [Period("eu", date(1973, 1, 1), date(2020, 1, 31))],
    }
)


def hosted(country="FR", expiry=date(2030, 1, 1), number="HDS-1", owners=()):
    return ServiceFacts(
        1, (HostingFact("H", country, number, expiry, date(2020, 1, 1)),), tuple(owners)
    )


def codes(facts, on):
    return [b.code for b in evaluate(facts, REGISTRY, on)]


def test_hosting_in_the_eea_is_fine_until_the_country_leaves():
    facts = hosted("NO")
    assert codes(facts, date(2027, 2, 28)) == []
    (breach,) = evaluate(facts, REGISTRY, LEAVE)
    assert breach.code == HOSTING_OUTSIDE_EEA
    assert breach.since == LEAVE
    assert "EEE" in breach.legal_basis
    assert codes(facts, date(2027, 3, 2)) == [HOSTING_OUTSIDE_EEA]


def test_hosting_in_a_country_that_never_was_a_member_breaches_from_the_declaration():
    (breach,) = evaluate(hosted("US"), REGISTRY, date(2026, 6, 1))
    assert breach.code == HOSTING_OUTSIDE_EEA
    assert breach.since == date(2020, 1, 1)


def test_uk_hosting_breaches_from_its_departure():
    (breach,) = evaluate(hosted("GB"), REGISTRY, date(2026, 1, 1))
    assert breach.since == date(2020, 1, 31)
    assert codes(hosted("GB"), date(2020, 1, 30)) == []


def test_certificate_is_valid_through_its_expiry_day():
    facts = hosted(expiry=date(2026, 12, 1))
    assert codes(facts, date(2026, 12, 1)) == []
    (breach,) = evaluate(facts, REGISTRY, date(2026, 12, 2))
    assert breach.code == HDS_EXPIRED
    assert breach.since == date(2026, 12, 2)
    assert "L.1111-8" in breach.legal_basis


def test_missing_certificate_or_hosting_is_a_breach():
    assert codes(hosted(number=None), date(2026, 1, 1)) == [HDS_MISSING]
    assert codes(hosted(expiry=None), date(2026, 1, 1)) == [HDS_MISSING]
    assert codes(ServiceFacts(1), date(2026, 1, 1)) == [HDS_MISSING]


def owner(country, share, control=False, since=date(2021, 1, 1)):
    return OwnerFact("Holding", country, share, control, since)


def test_owner_control_threshold_is_strictly_above_half():
    assert codes(hosted(owners=[owner("US", 50.0)]), date(2026, 1, 1)) == []
    (breach,) = evaluate(hosted(owners=[owner("US", 50.01)]), REGISTRY, date(2026, 1, 1))
    assert breach.code == OWNER_OUTSIDE_EU
    assert breach.since == date(2021, 1, 1)
    assert "actionnaire de contrôle" in breach.legal_basis


def test_declared_control_counts_whatever_the_share():
    assert codes(hosted(owners=[owner("US", 10, control=True)]), date(2026, 1, 1)) == [
        OWNER_OUTSIDE_EU
    ]


def test_owner_in_the_eu_or_not_yet_in_force_is_fine():
    assert codes(hosted(owners=[owner("DE", 100)]), date(2026, 1, 1)) == []
    later = owner("US", 70, since=date(2026, 6, 1))
    assert codes(hosted(owners=[later]), date(2026, 5, 31)) == []
    assert codes(hosted(owners=[later]), date(2026, 6, 1)) == [OWNER_OUTSIDE_EU]


def test_an_eea_only_owner_is_outside_the_eu():
    assert codes(hosted(owners=[owner("NO", 60)]), date(2026, 1, 1)) == [OWNER_OUTSIDE_EU]


def test_owner_country_leaving_the_eu_breaches_from_the_leave_date():
    facts = hosted(owners=[owner("GB", 80, since=date(2010, 1, 1))])
    assert codes(facts, date(2020, 1, 30)) == []
    (breach,) = evaluate(facts, REGISTRY, date(2020, 1, 31))
    assert breach.since == date(2020, 1, 31)
