"""FHIR search parameters (date prefixes, tokens, paging) and searchset Bundles."""

from __future__ import annotations

import operator
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from ens_core.fhir import edge
from ens_core.fhir.errors import FhirError

DEFAULT_COUNT = 20
MAX_COUNT = 100
PREFIXES = ("ge", "le", "gt", "lt", "eq")
COMMON = {"_count", "_offset", "_sort", "_format"}


def _parse_moment(text: str, name: str) -> tuple[datetime, datetime]:
    """[start, end) of the period a FHIR date search value denotes (its precision); the
    end of a period reaching past year 9999 is the latest moment."""
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=UTC)
            return start, _year_after(start)
        if len(text) == 7:
            y, m = int(text[:4]), int(text[5:7])
            start = datetime(y, m, 1, tzinfo=UTC)
            return start, edge.shifted(start, timedelta(days=monthrange(y, m)[1]))
        if len(text) == 10:
            start = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
            return start, edge.shifted(start, timedelta(days=1))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = edge.to_utc(moment, name)
        step = timedelta(seconds=1) if moment.microsecond == 0 else timedelta(microseconds=1)
        return moment, edge.shifted(moment, step)
    except (ValueError, FhirError):
        raise FhirError(
            400, f"Search parameter {name}: {text!r} is not a valid date.", expression=name
        ) from None


def _year_after(start: datetime) -> datetime:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return edge.LATEST


def date_ranges(values: list[str], name: str = "date") -> list:
    """Turn ``date=ge2026-01-01&date=lt2026-02`` into SQL-ready (operator, value) pairs."""
    ranges = []
    for raw in values:
        for value in raw.split(","):
            prefix = value[:2] if value[:2] in PREFIXES else "eq"
            text = value[2:] if value[:2] in PREFIXES else value
            start, end = _parse_moment(text, name)
            if prefix == "ge":
                ranges.append((operator.ge, start))
            elif prefix == "gt":
                ranges.append((operator.ge, end))
            elif prefix == "le":
                ranges.append((operator.lt, end))
            elif prefix == "lt":
                ranges.append((operator.lt, start))
            else:
                ranges += [(operator.ge, start), (operator.lt, end)]
    return ranges


# Stands for a code of another system: no stored code contains "|" (it separates the
# system from the code), and PostgreSQL refuses text with NUL, the marker this replaces.
NO_MATCH = "|another-system"


def tokens(values: list[str], system: str | None = None) -> list[str]:
    """``code=http://loinc.org|29463-7,8302-2`` -> ['29463-7', '8302-2']; another system
    matches nothing (a code of another system is never one of ours: :data:`NO_MATCH`)."""
    out = []
    for raw in values:
        for value in raw.split(","):
            if "|" in value:
                sys, code = value.split("|", 1)
                if system and sys and sys != system:
                    out.append(NO_MATCH)
                    continue
                out.append(code)
            elif value:
                out.append(value)
    return out


def paging(args, name_prefix: str = "") -> tuple[int, int]:
    try:
        count = int(args.get("_count", DEFAULT_COUNT))
        offset = int(args.get("_offset", 0))
    except ValueError:
        raise FhirError(400, "_count and _offset must be integers.", expression="_count") from None
    if count < 0 or offset < 0:
        raise FhirError(400, "_count and _offset must not be negative.", expression="_count")
    return min(count, MAX_COUNT), offset


def check_params(args, allowed: set[str]) -> None:
    for name in args:
        base = name.split(":", 1)[0]
        if base not in allowed | COMMON:
            raise FhirError(
                400,
                f"Unknown or unsupported search parameter {name!r}. "
                f"Supported: {', '.join(sorted(allowed | COMMON - {'_format'}))}.",
                expression=name,
            )


def newest_first(args) -> bool:
    sort = args.get("_sort", "-date")
    if sort not in ("date", "-date"):
        raise FhirError(400, "_sort supports date and -date only.", expression="_sort")
    return sort == "-date"


def searchset(
    base_url: str,
    resource_type: str,
    args,
    resources: list[dict],
    total: int,
    offset: int,
    count: int,
) -> dict:
    # The query without paging, encoded once: the links differ by their offset only.
    kept = [(k, v) for k in args for v in args.getlist(k) if k not in ("_offset", "_count")]
    prefix = f"{base_url}/{resource_type}?" + (f"{urlencode(kept)}&" if kept else "")

    def link(relation, new_offset):
        return {"relation": relation, "url": f"{prefix}_count={count}&_offset={new_offset}"}

    links = [link("self", offset), link("first", 0)]
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if count and total > 0:
        links.append(link("last", ((total - 1) // count) * count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url}/{resource_type}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
