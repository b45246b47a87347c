"""The referencing process: referential, dossiers, scoring, commission, decisions, sanctions."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from ens_core.accounts.policies import can_use_agent_portal, can_use_commission_portal
    from ens_core.web.nav import register_nav
    from review.views import agent_bp, commission_bp

    app.register_blueprint(agent_bp)
    app.register_blueprint(commission_bp)
    import review.sovereignty
    import review.surveillance

    review.sovereignty.init_app(app)
    review.surveillance.init_app(app)
    register_nav(40, "agent.home", _l("Espace agent"), can_use_agent_portal)
    register_nav(50, "commission.home", _l("Commission"), can_use_commission_portal)
