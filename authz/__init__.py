"""The OAuth 2.0 / SMART on FHIR authorization server and its resource protector."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import authz.models  # noqa: F401  (tables known to the metadata)
    from authz import demo_records
    from authz.cli import authz_cli, keys_cli
    from authz.connections import HealthSpaceConsents
    from authz.protector import FhirAuthorization
    from authz.server import create_server
    from authz.services import on_service_status_changed
    from authz.views import bp
    from ens_core.accounts.policies import can_use_health_space
    from ens_core.fhir.access import AUTHORIZATION
    from ens_core.health.connections import CONSENTS
    from ens_core.signals import service_status_changed
    from ens_core.web.nav import register_nav

    app.extensions["ens_authz_server"] = create_server(app)
    AUTHORIZATION.provide(app, FhirAuthorization())  # the FHIR API's token checks
    CONSENTS.provide(app, HealthSpaceConsents())  # the citizen's connected services
    service_status_changed.connect(on_service_status_changed, app)
    app.register_blueprint(bp)
    app.cli.add_command(keys_cli)
    app.cli.add_command(authz_cli)
    demo_records.register(app)
    register_nav(app, "grants", "authz.my_grants", _l("Services autorisés"), can_use_health_space)
