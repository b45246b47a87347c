"""The citizen's health space: measurements, documents, appointments, profile, its FHIR
API, the access log and delegation."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from ens_core import fhir
    from ens_core.accounts.policies import can_use_agent_portal, can_use_health_space
    from ens_core.demo import register_demo_loader
    from ens_core.health import cli, hooks
    from ens_core.health.demo import load_health_demo
    from ens_core.health.views import agent_bp, bp
    from ens_core.web.nav import register_nav

    app.register_blueprint(bp)
    app.register_blueprint(agent_bp)
    register_nav(app, "health", "health.dashboard", _l("Mon espace santé"), can_use_health_space)
    register_nav(
        app, "guardianships", "health_agent.guardianships", _l("Tutelles"), can_use_agent_portal
    )
    fhir.init_app(app)
    hooks.init_app(app)
    cli.init_app(app)
    register_demo_loader(60, "health", load_health_demo)
