"""Small server-rendered SVG line charts (no JavaScript): the points are computed here and
the template draws a polyline per series with an accessible title and a data table."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 320, 120, 10


@dataclass
class Chart:
    series: list[str]  # polyline points, one string per series (BP: systolic, diastolic)
    minimum: float
    maximum: float
    first: str
    last: str
    count: int
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(measurements) -> Chart | None:
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

    def point(t, v):
        x = PAD + (t - t0) / span * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (v - lo) / (hi - lo) * (HEIGHT - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    series = [" ".join(point(t, m.value) for t, m in zip(times, measurements, strict=True))]
    if any(m.value2 is not None for m in measurements):
        series.append(
            " ".join(
                point(t, m.value2)
                for t, m in zip(times, measurements, strict=True)
                if m.value2 is not None
            )
        )
    return Chart(
        series=series,
        minimum=min(values),
        maximum=max(values),
        first=measurements[0].effective_at.strftime("%d/%m/%Y"),
        last=measurements[-1].effective_at.strftime("%d/%m/%Y"),
        count=len(measurements),
    )
