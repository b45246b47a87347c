"""Surveillance: complaints, audits, sanctions, renewals and change declarations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from review.surveillance import demo_records
    from review.surveillance.views import agent_bp, editor_bp

    app.config.setdefault("ENS_SANCTION_ANSWER_DAYS", 15)
    app.register_blueprint(agent_bp)
    app.register_blueprint(editor_bp)
    demo_records.register(app)

    from flask_babel import lazy_gettext as _l

    from ens_core.accounts.policies import can_use_agent_portal
    from ens_core.web.nav import register_nav

    register_nav(44, "surveillance.home", _l("Surveillance"), can_use_agent_portal)

    from ens_core.health.services import ABUSE_REPORT_LISTENERS
    from review.surveillance.services import on_abuse_report

    if on_abuse_report not in ABUSE_REPORT_LISTENERS:
        ABUSE_REPORT_LISTENERS.append(on_abuse_report)
