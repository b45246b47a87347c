"""Server-rendered SVG profile chart (horizontal bars), always paired with a table."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_WIDTH = 300
ROW = 34
LABEL_WIDTH = 150


def bars_svg(
    rows: list[tuple[str, int]],
    title: str,
    *,
    maximum: float = 100,
    chart_id: str = "chart-title",
    graded: bool = True,
    label_width: int = LABEL_WIDTH,
) -> Markup:
    """Horizontal bars 0–``maximum``, one per (label, value). ``title`` names the chart for
    assistive technologies (``chart_id`` keeps it unique when a page has several charts);
    the page shows the same figures in a table. ``graded`` colours a score (green from 75,
    orange under 50); otherwise every bar is blue."""
    height = ROW * len(rows) + 20
    width = label_width + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}"><title id="{chart_id}">{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = 10 + index * ROW
        length = round(BAR_WIDTH * max(0, min(maximum, value)) / (maximum or 1))
        colour = "#000091"
        if graded:
            colour = "#18753c" if value >= 75 else "#b34000" if value < 50 else "#000091"
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="14" fill="#161616">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{BAR_WIDTH}" height="20" '
            f'fill="#eeeeee"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="20" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + BAR_WIDTH + 8}" y="{y + 18}" font-size="14" '
            f'fill="#161616">{round(value, 1):g}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part is escaped above)
