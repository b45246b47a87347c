"""The statistics of /statistiques against figures computed by hand."""

from datetime import date, timedelta

import pytest

from review.timelines import stats

START = date(2026, 1, 1)


def decided(days: int, *, year_start=START, refused=False, requests=0, paused=0):
    return stats.DecidedDossier(
        submitted_on=year_start,
        decided_on=year_start + timedelta(days=days),
        refused=refused,
        information_requests=requests,
        paused_days=paused,
    )


def test_median_of_odd_and_even_counts():
    assert stats.median([90, 30, 60]) == 60
    assert stats.median([30, 60, 90, 120]) == 75  # (60 + 90) / 2
    with pytest.raises(ValueError):
        stats.median([])


def test_nearest_rank_percentile():
    # Ten durations: the 90th percentile is the 9th smallest (⌈0.9 × 10⌉ = 9).
    durations = [100, 10, 90, 20, 80, 30, 70, 40, 60, 50]
    assert stats.nearest_rank(durations, 90) == 90
    # Eleven: ⌈9.9⌉ = 10th smallest.
    assert stats.nearest_rank([*durations, 110], 90) == 100
    assert stats.nearest_rank([42], 90) == 42
    assert stats.nearest_rank([5, 1], 50) == 1


def test_figures_per_year_of_decision():
    dossiers = [
        # 2025: decided 2025 (submitted in 2025)
        decided(40, year_start=date(2025, 3, 1)),
        decided(100, year_start=date(2025, 3, 1), refused=True, requests=1, paused=20),
        # 2026: four dossiers, durations 100, 120, 130, 200
        decided(100),
        decided(120, requests=2, paused=30),
        decided(130, refused=True),
        decided(200, requests=1, paused=50),
    ]
    y2025, y2026 = stats.by_year(dossiers)
    assert (y2025.year, y2025.decided, y2025.median_days, y2025.p90_days) == (2025, 2, 70, 100)
    assert y2025.median_review_days == 60  # (40 + 80) / 2
    assert (y2025.information_request_share, y2025.refusal_rate) == (50.0, 50.0)
    assert (y2026.median_days, y2026.p90_days) == (125, 200)  # ⌈3.6⌉ = 4th of four
    # Paused days subtracted: 100, 90, 130, 150 -> median (100 + 130) / 2.
    assert y2026.median_review_days == 115
    assert y2026.information_request_share == 50.0
    assert y2026.refusal_rate == 25.0


def test_review_days_never_negative_and_share_of_nothing():
    assert decided(10, paused=30).review_days == 0
    assert stats.share(1, 3) == 33.3
    assert stats.share(0, 0) == 0.0
    assert stats.by_year([]) == []


def test_suspension_causes_most_frequent_first():
    causes = ["hébergement", "sanction", "hébergement", "actionnaire"]
    assert stats.causes(causes) == [("hébergement", 2), ("actionnaire", 1), ("sanction", 1)]
