"""Declared rules for repetitive demo data (a year of measures, weeks of access history):
one sample every N days between two dates, and a value that follows a yearly wave, a
slope and some noise. Every rule carries its seed, so every load draws the same numbers.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta


def sample_days(first: date, last: date, every: int, today: date) -> list[date]:
    """The days from ``first`` to ``last`` (inclusive) that fall a multiple of ``every``
    days before ``today``: two rules over adjoining periods keep the same rhythm."""
    day, days = first, []
    while day <= last:
        if (today - day).days % every == 0:
            days.append(day)
        day += timedelta(days=1)
    return days


def draw(rule: dict, days_ago: int, rng: random.Random) -> float | int:
    """``mean`` + ``wave`` × a yearly sine (``period`` days) − ``slope`` per year back in
    time + Gaussian ``noise``, kept within ``min``/``max``, rounded to ``decimals``."""
    value = (
        rule["mean"]
        + rule.get("wave", 0) * math.sin(2 * math.pi * days_ago / rule.get("period", 365))
        - rule.get("slope", 0) * days_ago / 365
        + rng.gauss(0, rule.get("noise", 0))
    )
    if "min" in rule:
        value = max(rule["min"], value)
    if "max" in rule:
        value = min(rule["max"], value)
    decimals = rule.get("decimals", 0)
    return round(value, decimals) if decimals else round(value)


def rng_for(seed) -> random.Random:
    return random.Random(seed)  # noqa: S311 (demo data, not security)
