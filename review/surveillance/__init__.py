"""Surveillance: complaints, audits, sanctions, renewals and change declarations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from review.surveillance import demo_records
    from review.surveillance.views import agent_bp, compliance_bp

    app.config.setdefault("ENS_SANCTION_ANSWER_DAYS", 15)
    app.register_blueprint(agent_bp)
    # /editeur/conformite: one blueprint, registered once sovereignty's routes and ours
    # are all on it.
    app.register_blueprint(compliance_bp)
    demo_records.register(app)

    from flask_babel import lazy_gettext as _l

    from ens_core.accounts.policies import can_use_agent_portal
    from ens_core.web.nav import register_nav

    register_nav(app, "surveillance", "surveillance.home", _l("Surveillance"), can_use_agent_portal)

    from ens_core.signals import abuse_reported
    from review.sovereignty.services import OTHER_SUSPENSION
    from review.surveillance.services import has_active_suspension_sanction, on_abuse_report

    abuse_reported.connect(on_abuse_report, app)
    OTHER_SUSPENSION.provide(app, has_active_suspension_sanction)  # sanctions hold too
