from __future__ import annotations

from flask import Blueprint, render_template

from ens_core.accounts.policies import can_use_health_space, requires

bp = Blueprint("health", __name__, url_prefix="/espace")


@bp.route("")
@requires(can_use_health_space)
def dashboard():
    return render_template("ens_core/health/dashboard.html")
