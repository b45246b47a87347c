"""The OAuth 2.0 / SMART on FHIR authorization server and its resource protector."""

from flask import Flask


def init_app(app: Flask) -> None:
    import authz.conformance.models
    import authz.models  # noqa: F401  (tables known to the metadata)
    from authz import demo_records
    from authz.cli import authz_cli, keys_cli
    from authz.conformance.recorder import FhirCallRecorder
    from authz.connections import HealthSpaceConsents
    from authz.origins import ClientOrigins
    from authz.protector import FhirAuthorization
    from authz.server import create_server
    from authz.services import on_service_status_changed
    from authz.views import bp
    from ens_core.fhir.access import AUTHORIZATION, CALLS
    from ens_core.health.connections import CONSENTS
    from ens_core.signals import service_status_changed
    from ens_core.web.cors import ORIGINS

    app.extensions["ens_authz_server"] = create_server(app)
    AUTHORIZATION.provide(app, FhirAuthorization())  # the FHIR API's token checks
    CALLS.provide(app, FhirCallRecorder())  # sandbox conformance runs
    CONSENTS.provide(app, HealthSpaceConsents())  # the citizen's connected services
    ORIGINS.provide(app, ClientOrigins())  # CORS: origins of the clients' redirect URIs
    service_status_changed.connect(on_service_status_changed, app)
    app.register_blueprint(bp)
    app.cli.add_command(keys_cli)
    app.cli.add_command(authz_cli)
    demo_records.register(app)
