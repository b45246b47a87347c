"""The citizen's health space: measurements, documents, appointments, profile, its FHIR
API, the access log and delegation."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from ens_core.accounts.policies import can_use_health_space
    from ens_core.health.views import bp
    from ens_core.web.nav import register_nav

    app.register_blueprint(bp)
    register_nav(20, "health.dashboard", _l("Mon espace santé"), can_use_health_space)
