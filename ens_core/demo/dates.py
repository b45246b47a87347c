"""Dates in the demo data: absolute (YAML dates and timestamps) or relative to the day of
the load, so the story stays fresh: ``today-30d``, ``today+14d 13:00``, ``today-16y-4m``,
``now-45d``.

``today…`` gives a date (a UTC datetime when a time follows); ``now…`` a UTC datetime.
Units: d(ays), w(eeks), m(onths), y(ears). ``2026-02-16 14:00`` is a UTC datetime too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta

RELATIVE = re.compile(r"^(today|now)((?:[+-]\d+[dwmy])*)(?: (\d{1,2}):(\d{2}))?$")
ABSOLUTE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2})$")
OFFSET = re.compile(r"([+-]\d+)([dwmy])")
UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
DURATION = re.compile(r"^(\d+)d$")


def _offset(text: str) -> relativedelta:
    delta = relativedelta()
    for amount, unit in OFFSET.findall(text):
        delta += relativedelta(**{UNITS[unit]: int(amount)})
    return delta


def resolve(value, *, now: datetime):
    """``value`` with every relative date string replaced (recursively) and every naive
    datetime read as UTC."""
    if isinstance(value, dict):
        return {key: resolve(item, now=now) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, now=now) for item in value]
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return value
    absolute = ABSOLUTE.match(value)
    if absolute is not None:
        return datetime(*map(int, absolute.groups()), tzinfo=UTC)
    match = RELATIVE.match(value)
    if match is None:
        return value
    anchor, offsets, hour, minute = match.groups()
    if anchor == "now":
        if hour is not None:
            raise ValueError(f"{value!r}: a time of day goes with 'today', not 'now'")
        return now + _offset(offsets)
    day = now.date() + _offset(offsets)
    if hour is None:
        return day
    return datetime.combine(day, time(int(hour), int(minute)), UTC)


def as_datetime(value: date | datetime, at: time = time(9)) -> datetime:
    """A UTC datetime from a date (at ``at``) or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, at, UTC)


def days(text: str | int) -> int:
    """A duration in days: ``3d`` or ``3``."""
    if isinstance(text, int):
        return text
    match = DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration in days (e.g. 3d)")
    return int(match.group(1))
