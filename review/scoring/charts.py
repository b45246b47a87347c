"""Server-rendered SVG profile chart (horizontal bars), always paired with a table."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_WIDTH = 300
ROW = 34
LABEL_WIDTH = 150


def bars_svg(
    rows: list[tuple[str, int]], title: str, *, label_width: int = LABEL_WIDTH
) -> Markup:
    """Horizontal bars 0–100, one per (label, value). ``title`` names the chart for
    assistive technologies; the page shows the same figures in a table. Longer labels
    need a wider ``label_width``."""
    height = ROW * len(rows) + 20
    width = label_width + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(rows):
        y = 10 + index * ROW
        length = round(BAR_WIDTH * max(0, min(100, value)) / 100)
        colour = "#18753c" if value >= 75 else "#b34000" if value < 50 else "#000091"
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="14" fill="#161616">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{BAR_WIDTH}" height="20" '
            f'fill="#eeeeee"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="20" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + BAR_WIDTH + 8}" y="{y + 18}" font-size="14" '
            f'fill="#161616">{int(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part is escaped above)
