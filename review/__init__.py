"""The referencing process: referential, dossiers, scoring, commission, decisions,
sovereignty rules and surveillance."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import review.models  # noqa: F401  (tables known to the metadata)
    from ens_core.accounts.policies import can_use_agent_portal, can_use_commission_portal
    from ens_core.web.nav import register_nav
    from review import (
        commission,
        decisions,
        dossiers,
        referential,
        sovereignty,
        surveillance,
        timelines,
        views,
    )

    app.register_blueprint(views.agent_bp)
    referential.init_app(app)  # versioned criteria referential
    dossiers.init_app(app)  # dossiers, answers, evaluation, scores and écoscore
    commission.init_app(app)  # members, declarations, sessions, votes, minutes
    decisions.init_app(app)  # the authority's decision
    sovereignty.init_app(app)  # EU rules, suspension, delisting, deletion orders
    surveillance.init_app(app)  # complaints, audits, sanctions, renewal, changes
    timelines.init_app(app)  # dossiers' public clocks, /statistiques, dossiers.csv
    register_nav(app, "agent", "agent.home", _l("Espace agent"), can_use_agent_portal)
    register_nav(app, "commission", "commission.home", _l("Commission"), can_use_commission_portal)
