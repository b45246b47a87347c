"""The citizen's health space: measurements, documents, appointments, profile, its FHIR
API, the access log and delegation."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from ens_core import fhir
    from ens_core.accounts.policies import can_use_agent_portal, can_use_health_space
    from ens_core.health import cli, demo_records, hooks
    from ens_core.health.datatypes import resource_type_label
    from ens_core.health.views import agent_bp, bp
    from ens_core.web.nav import register_nav

    app.register_blueprint(bp)
    app.register_blueprint(agent_bp)
    app.add_template_filter(resource_type_label, "resource_type_label")
    register_nav(app, "health", "health.dashboard", _l("Mon espace santé"), can_use_health_space)
    register_nav(
        app, "guardianships", "health_agent.guardianships", _l("Tutelles"), can_use_agent_portal
    )
    fhir.init_app(app)
    hooks.init_app(app)
    cli.init_app(app)
    demo_records.register(app)
