"""Public pages of the referencing process's clocks: ``/statistiques`` and the open-data
CSV of decided dossiers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from catalogue.public.opendata import csv_response
from review.scoring.charts import bars_svg
from review.timelines import stats
from review.timelines.opendata import COLUMNS, dossiers_csv
from review.timelines.services import decided_dossiers, suspension_causes

bp = Blueprint("timelines", __name__)


def _charts(years: list[stats.YearFigures], causes: list[tuple[str, int]]) -> dict:
    """The SVG charts of the page (each followed by its table in the template)."""
    longest = max((y.p90_days for y in years), default=0) or 1
    delays = []
    for y in years:
        delays += [
            (_("%(year)s — médiane", year=y.year), y.median_days),
            (_("%(year)s — 90e centile", year=y.year), y.p90_days),
        ]
    return {
        "delays": bars_svg(
            delays,
            _("Jours du dépôt à la décision, par année (détail dans le tableau qui suit)"),
            maximum=longest,
            chart_id="chart-delays",
            graded=False,
        ),
        "information": bars_svg(
            [(str(y.year), y.information_request_share) for y in years],
            _("Part des dossiers avec demande de compléments (pourcentage), par année"),
            chart_id="chart-information",
            graded=False,
        ),
        "refusals": bars_svg(
            [(str(y.year), y.refusal_rate) for y in years],
            _("Taux de refus (pourcentage), par année"),
            chart_id="chart-refusals",
            graded=False,
        ),
        "causes": bars_svg(
            causes,
            _("Suspensions par motif"),
            maximum=max((n for _cause, n in causes), default=1),
            chart_id="chart-causes",
            graded=False,
            label_width=320,
        ),
    }


@bp.route("/statistiques")
def statistics():
    years = stats.by_year(decided_dossiers())
    causes = stats.causes(suspension_causes())
    return render_template(
        "review/timelines/statistics.html",
        years=years,
        causes=causes,
        charts=_charts(years, causes),
        columns=COLUMNS,
    )


@bp.route("/opendata/dossiers.csv")
def dossiers_csv_view():
    return csv_response(dossiers_csv(), "ens-store-dossiers.csv")
