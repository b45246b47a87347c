"""Agent portal entry page (the commission portal lives in ``review.commission.views``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ens_core.accounts.policies import can_use_agent_portal, requires

agent_bp = Blueprint("agent", __name__, url_prefix="/agent")


@agent_bp.route("", endpoint="home")
@requires(can_use_agent_portal)
def agent_home():
    return render_template("review/agent_home.html")
