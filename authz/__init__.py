"""The OAuth 2.0 / SMART on FHIR authorization server and its resource protector."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import authz.models  # noqa: F401  (tables known to the metadata)
    from authz import demo_records
    from authz.cli import keys_cli
    from authz.server import create_server
    from authz.views import bp
    from ens_core.accounts.policies import can_use_health_space
    from ens_core.web.nav import register_nav

    app.extensions["ens_authz_server"] = create_server(app)
    app.register_blueprint(bp)
    app.cli.add_command(keys_cli)
    demo_records.register(app)
    register_nav(25, "authz.my_grants", _l("Services autorisés"), can_use_health_space)
