"""Agent and commission portals (entry pages; the processes come with their issues)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ens_core.accounts.policies import can_use_agent_portal, can_use_commission_portal, requires

agent_bp = Blueprint("agent", __name__, url_prefix="/agent")
commission_bp = Blueprint("commission", __name__, url_prefix="/commission")


@agent_bp.route("", endpoint="home")
@requires(can_use_agent_portal)
def agent_home():
    return render_template("review/agent_home.html")


@commission_bp.route("", endpoint="home")
@requires(can_use_commission_portal)
def commission_home():
    return render_template("review/commission_home.html")
