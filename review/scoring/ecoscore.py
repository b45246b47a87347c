"""The two écoscore methods, as pure functions over a measured user journey.

1. **National store écoscore** (:func:`national_ecoscore`). Method of the écoscore that
   the French ENS catalogue ("Mon espace santé") requires from referenced services,
   designed in 2021–2022 by Greenspector and Atos for the Délégation au numérique en santé
   and the Agence du numérique en santé: a typical user journey is measured step by step
   on three metrics — energy consumed (here as the ratio to the idle device), performance
   (display time) and data exchanged — each compared with thresholds, all metrics with
   the same weight, giving a score out of 100. Sources: ANS, « Écoscore des services
   numériques en santé » (2022); mind Health, "Comment est calculé l'indice de sobriété
   environnementale des applications référencées sur Mon espace santé" (2023), interview
   of Greenspector. The published grid grades each metric of each step from 5 (sober) to
   1; the thresholds used here are :data:`NATIONAL_THRESHOLDS`.

2. **EcoIndex** (:func:`ecoindex`), for web pages. Method and constants of the public
   EcoIndex (ecoindex.fr, Collectif Conception Numérique Responsable), as implemented by
   the reference implementation ``cnumr/ecoindex_python`` (``ecoindex/compute/ecoindex.py``,
   quantiles in ``ecoindex/data/quantiles.py``, grades in ``ecoindex/data/grades.py``) and
   ``cnumr/GreenIT-Analysis`` (``script/ecoIndex.js``): each of DOM size, HTTP requests
   and page weight (KB) is placed in a quantile of the HTTP Archive distribution, with
   linear interpolation inside the quantile; score = 100 − 5 × (3·q_dom + 2·q_req +
   q_size) / 6, rounded; grade A–G from thresholds 80/70/55/40/25/10 (strictly above);
   greenhouse gases = 2 + 2 × (50 − score)/100 gCO2e and water = 3 + 3 × (50 − score)/100
   cl per page view, rounded to 2 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- EcoIndex (cnumr/ecoindex_python, ecoindex/data/quantiles.py) ---------------------
QUANTILES_DOM = [
    0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237,
    1459, 1801, 2479, 594601,
]  # fmt: skip
QUANTILES_REQ = [
    0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205, 281,
    3920,
]  # fmt: skip
QUANTILES_SIZE = [
    0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32,
    1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54,
    223212.26,
]  # fmt: skip
# Lower bounds (strict) of each grade (cnumr/ecoindex_python, ecoindex/data/grades.py).
ECOINDEX_GRADES = (("A", 80), ("B", 70), ("C", 55), ("D", 40), ("E", 25), ("F", 10))


def quantile(quantiles: list[float], value: float) -> float:
    """Position of ``value`` in ``quantiles``, interpolated inside its quantile."""
    for i in range(1, len(quantiles)):
        if value < quantiles[i]:
            return i - 1 + (value - quantiles[i - 1]) / (quantiles[i] - quantiles[i - 1])
    return len(quantiles) - 1


def ecoindex_score(dom: int, requests: int, size_kb: float) -> int:
    q_dom = quantile(QUANTILES_DOM, dom)
    q_req = quantile(QUANTILES_REQ, requests)
    q_size = quantile(QUANTILES_SIZE, size_kb)
    return round(100 - 5 * (3 * q_dom + 2 * q_req + q_size) / 6)


def ecoindex_grade(score: float) -> str:
    for grade, bound in ECOINDEX_GRADES:
        if score > bound:
            return grade
    return "G"


def ecoindex_ghg(score: float) -> float:
    """Greenhouse gases, gCO2e per page view."""
    return round(100 * (2 + 2 * (50 - score) / 100)) / 100


def ecoindex_water(score: float) -> float:
    """Water, centilitres per page view."""
    return round(100 * (3 + 3 * (50 - score) / 100)) / 100


@dataclass(frozen=True)
class EcoIndex:
    score: int
    grade: str
    ghg: float
    water: float


def ecoindex(dom: int, requests: int, size_kb: float) -> EcoIndex:
    score = ecoindex_score(dom, requests, size_kb)
    return EcoIndex(score, ecoindex_grade(score), ecoindex_ghg(score), ecoindex_water(score))


# --- National store écoscore -----------------------------------------------------------
# Per step, the upper bound (inclusive) of grades 5, 4, 3 and 2; above the last: grade 1.
NATIONAL_THRESHOLDS: dict[str, tuple[float, float, float, float]] = {
    # energy consumed during the step, as a ratio to the idle device (1.0 = idle)
    "energy_ratio": (1.2, 1.5, 2.0, 3.0),
    # time until the step is displayed and usable, seconds
    "display_time_s": (1.0, 2.0, 3.0, 5.0),
    # data exchanged during the step, KB
    "data_kb": (100.0, 500.0, 1000.0, 3000.0),
}
NATIONAL_METRICS = tuple(NATIONAL_THRESHOLDS)
# Letter of the final score (out of 100): lower bounds, inclusive.
NATIONAL_GRADES = (("A", 80), ("B", 65), ("C", 50), ("D", 35))


def metric_grade(metric: str, value: float) -> int:
    """Grade 5 (sober) to 1 of one metric of one step."""
    for grade, bound in zip((5, 4, 3, 2), NATIONAL_THRESHOLDS[metric], strict=True):
        if value <= bound:
            return grade
    return 1


def national_grade(score: float) -> str:
    for grade, bound in NATIONAL_GRADES:
        if score >= bound:
            return grade
    return "E"


def national_ecoscore(steps: list[dict]) -> dict:
    """Score /100 of a journey: each metric of each step graded 5→1, every metric with
    the same weight; score = mean grade / 5 × 100, rounded to one decimal.

    ``steps``: dicts with ``label``, ``energy_ratio``, ``display_time_s``, ``data_kb``.
    Returns ``{"value", "grade", "steps": [{label, grades{metric: 1-5}}], "metric_means"}``.
    """
    if not steps:
        raise ValueError("a journey has at least one step")
    graded = []
    for step in steps:
        grades = {metric: metric_grade(metric, float(step[metric])) for metric in NATIONAL_METRICS}
        graded.append({"label": step["label"], "grades": grades})
    metric_means = {
        metric: sum(s["grades"][metric] for s in graded) / len(graded)
        for metric in NATIONAL_METRICS
    }
    mean = sum(metric_means.values()) / len(metric_means)
    value = round(mean / 5 * 100, 1)
    return {
        "value": value,
        "grade": national_grade(value),
        "steps": graded,
        "metric_means": {k: round(v, 2) for k, v in metric_means.items()},
    }


def journey_ecoindex(steps: list[dict]) -> dict | None:
    """EcoIndex of every web step (those with DOM, requests and page weight) and the mean
    of their scores; ``None`` if the journey has no web page."""
    pages = [
        s
        for s in steps
        if s.get("dom_elements") is not None
        and s.get("http_requests") is not None
        and s.get("page_weight_kb") is not None
    ]
    if not pages:
        return None
    results = []
    for step in pages:
        result = ecoindex(step["dom_elements"], step["http_requests"], step["page_weight_kb"])
        results.append(
            {
                "label": step["label"],
                "score": result.score,
                "grade": result.grade,
                "ghg": result.ghg,
                "water": result.water,
            }
        )
    mean = sum(r["score"] for r in results) / len(results)
    return {
        "pages": results,
        "score": round(mean, 1),
        "grade": ecoindex_grade(mean),
        "ghg": round(sum(r["ghg"] for r in results), 2),
        "water": round(sum(r["water"] for r in results), 2),
    }
