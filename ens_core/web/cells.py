"""Tables that read on a phone: each cell carries its column's name (``data-label``), so
that below 600 px, where the stylesheet stacks a row into a card, every value keeps its
label ("Jusqu'au : 3 janvier 2028")."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CELL = re.compile(r"<(td|th)\b(?![^>]*\bdata-label=)")


def cell_labels(row_html, columns) -> Markup:
    """``row_html`` (one table row) with ``data-label`` set on its cells, in column order."""
    labels = iter(columns)

    def label(match: re.Match) -> str:
        name = next(labels, None)
        return match.group(0) if name is None else f'{match.group(0)} data-label="{escape(name)}"'

    return Markup(_CELL.sub(label, str(row_html)))  # noqa: S704 (the row is already markup)


def init_app(app) -> None:
    app.add_template_filter(cell_labels, "cell_labels")
