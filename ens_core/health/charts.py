"""Small server-rendered SVG line charts (no JavaScript): the points, the axes' ticks (values
on the left, dates below) and the legend are computed here; the template draws them, with an
accessible title and the latest values in a table."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ens_core.i18n import local_date, number

WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 28  # room for the value and date labels
COLOURS = ("#000091", "#c9191e")
BP_SERIES = (_l("Systolique (haute)"), _l("Diastolique (basse)"))


@dataclass
class Tick:
    at: float  # x or y in the SVG
    label: str


@dataclass
class Chart:
    series: list[str]  # polyline points, one string per series (BP: systolic, diastolic)
    minimum: float
    maximum: float
    first: str
    last: str
    count: int
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT


def line_chart(measurements, *, name: str = "", unit: str = "") -> Chart | None:
    """The chart of ``measurements`` (oldest first); ``name`` and ``unit`` make the legend."""
    if not measurements:
        return None
    times = [m.effective_at.timestamp() for m in measurements]
    values = [m.value for m in measurements] + [
        m.value2 for m in measurements if m.value2 is not None
    ]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    t0, t1 = min(times), max(times)
    span = (t1 - t0) or 1

    def x_of(t):
        return LEFT + (t - t0) / span * (WIDTH - LEFT - RIGHT)

    def y_of(v):
        return HEIGHT - BOTTOM - (v - lo) / (hi - lo) * (HEIGHT - TOP - BOTTOM)

    def points(pairs):
        return " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in pairs)

    series = [points((t, m.value) for t, m in zip(times, measurements, strict=True))]
    two = any(m.value2 is not None for m in measurements)
    if two:
        pairs = zip(times, measurements, strict=True)
        series.append(points((t, m.value2) for t, m in pairs if m.value2 is not None))
    names = [str(n) for n in BP_SERIES] if two else [name]
    unit_suffix = f" ({unit})" if unit else ""
    first, last = measurements[0].effective_at, measurements[-1].effective_at
    return Chart(
        series=series,
        minimum=min(values),
        maximum=max(values),
        first=local_date(first),
        last=local_date(last),
        count=len(measurements),
        y_ticks=[Tick(round(y_of(v), 1), number(round(v, 1))) for v in (lo, (lo + hi) / 2, hi)],
        x_ticks=[Tick(round(x_of(t0), 1), local_date(first, "medium"))]
        + ([Tick(round(x_of(t1), 1), local_date(last, "medium"))] if t1 > t0 else []),
        legend=[(COLOURS[i], n + unit_suffix) for i, n in enumerate(names)],
    )
