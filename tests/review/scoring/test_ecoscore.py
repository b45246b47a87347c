"""Both écoscore methods against published reference values.

EcoIndex values come from the reference implementation's own tests
(cnumr/ecoindex_python, tests/compute/test_ecoindex.py).
"""

import pytest

from review.scoring import ecoscore


def test_quantiles_match_the_reference_implementation():
    assert ecoscore.quantile(ecoscore.QUANTILES_SIZE, 2500) == pytest.approx(14.086372025739513)
    assert ecoscore.quantile(ecoscore.QUANTILES_DOM, 150) == pytest.approx(2.892857142857143)
    assert ecoscore.quantile(ecoscore.QUANTILES_REQ, 23) == pytest.approx(2.8)
    assert ecoscore.quantile(ecoscore.QUANTILES_SIZE, 310182.902) == 20


@pytest.mark.parametrize(
    ("dom", "requests", "size", "score"),
    [
        (100, 100, 100, 72),
        (100, 100, 1000, 67),
        (100, 100, 10000, 58),
        (200, 200, 10000, 46),
        (2355, 267, 2493, 10),
        (240, 20, 331, 83),
    ],
)
def test_ecoindex_scores_match_the_reference_implementation(dom, requests, size, score):
    assert ecoscore.ecoindex_score(dom, requests, size) == score


@pytest.mark.parametrize(
    ("score", "grade"), [(2, "G"), (25, "F"), (10, "G"), (50.2, "D"), (100, "A"), (81, "A")]
)
def test_ecoindex_grades(score, grade):
    assert ecoscore.ecoindex_grade(score) == grade


@pytest.mark.parametrize(
    ("score", "ghg", "water"), [(2, 2.96, 4.44), (10, 2.8, 4.2), (50, 2, 3), (70, 1.6, 2.4)]
)
def test_ecoindex_greenhouse_gases_and_water(score, ghg, water):
    assert ecoscore.ecoindex_ghg(score) == ghg
    assert ecoscore.ecoindex_water(score) == water


def test_full_ecoindex_including_out_of_range_page_weight():
    assert ecoscore.ecoindex(100, 100, 100) == ecoscore.EcoIndex(72, "B", 1.56, 2.34)
    assert ecoscore.ecoindex(2240, 100, 310182.902) == ecoscore.EcoIndex(16, "F", 2.68, 4.02)


@pytest.mark.parametrize(
    ("metric", "value", "grade"),
    [
        ("energy_ratio", 1.2, 5),
        ("energy_ratio", 1.21, 4),
        ("energy_ratio", 3.0, 2),
        ("energy_ratio", 3.01, 1),
        ("display_time_s", 0.5, 5),
        ("display_time_s", 2.5, 3),
        ("data_kb", 1000, 3),
        ("data_kb", 5000, 1),
    ],
)
def test_national_metric_grades_follow_the_thresholds(metric, value, grade):
    assert ecoscore.metric_grade(metric, value) == grade


def _step(label, energy, time, data):
    return {"label": label, "energy_ratio": energy, "display_time_s": time, "data_kb": data}


def test_national_ecoscore_weights_every_metric_equally():
    best = ecoscore.national_ecoscore([_step("a", 1.0, 0.5, 50)])
    assert (best["value"], best["grade"]) == (100.0, "A")
    worst = ecoscore.national_ecoscore([_step("a", 9, 20, 9000)])
    assert (worst["value"], worst["grade"]) == (20.0, "E")
    # energy grades 5 and 3 -> 4; time 4 and 2 -> 3; data 4 and 1 -> 2.5; mean 3.1667 / 5
    mixed = ecoscore.national_ecoscore([_step("a", 1.1, 1.5, 400), _step("b", 1.9, 4.0, 4000)])
    assert mixed["metric_means"] == {"energy_ratio": 4.0, "display_time_s": 3.0, "data_kb": 2.5}
    assert mixed["value"] == 63.3
    assert mixed["grade"] == "C"
    assert [s["grades"]["data_kb"] for s in mixed["steps"]] == [4, 1]


def test_national_ecoscore_needs_a_step():
    with pytest.raises(ValueError):
        ecoscore.national_ecoscore([])


def test_journey_ecoindex_only_counts_web_pages():
    assert ecoscore.journey_ecoindex([_step("app", 1.1, 1, 10)]) is None
    web = dict(_step("page", 1.1, 1, 10), dom_elements=100, http_requests=100, page_weight_kb=100)
    result = ecoscore.journey_ecoindex([_step("app", 1.1, 1, 10), web])
    assert result["pages"] == [
        {"label": "page", "score": 72, "grade": "B", "ghg": 1.56, "water": 2.34}
    ]
    assert (result["score"], result["grade"]) == (72.0, "B")
