"""``/agent/qualite``: the agreement of the blind double evaluations over time."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from ens_core.accounts.policies import can_use_agent_portal, requires
from review.dossiers.quality import quality_report
from review.scoring.charts import bars_svg

bp = Blueprint("agent_quality", __name__, url_prefix="/agent/qualite")


@bp.route("")
@requires(can_use_agent_portal)
def index():
    report = quality_report()
    rows = [
        (f"{row.area.label} {row.version} · {row.quarter.label}", float(row.agreement.kappa) * 100)
        for row in report.over_time
        if row.agreement.kappa is not None
    ]
    chart = (
        bars_svg(
            rows,
            _("Kappa de Cohen (× 100) par domaine, version du référentiel et trimestre"),
            label_width=250,
        )
        if rows
        else None
    )
    return render_template("review/dossiers/quality.html", report=report, chart=chart)
