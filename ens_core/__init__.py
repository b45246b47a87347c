"""ENS Store: the application factory.

The factory reads like a table of contents: configuration, database, the shared web
machinery, then one ``init_app`` per domain package.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    from ens_core import boundary, database, i18n, security
    from ens_core import config as settings
    from ens_core.web import setup as web

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(settings.load_config(app.instance_path, config))

    database.init_app(app)  # SQLAlchemy, migrations, SQLite pragmas
    security.init_app(app)  # security headers, CSRF
    i18n.init_app(app)  # French first, English available
    web.init_app(app)  # home, health check, errors, navigation

    import authz
    import catalogue
    import review
    from ens_core import accounts, health

    accounts.init_app(app)  # users, roles, login, sign-up
    catalogue.init_app(app)  # organisations, services, public catalogue
    review.init_app(app)  # referential, dossiers, commission, decisions
    authz.init_app(app)  # OAuth 2.0 / SMART authorization server
    health.init_app(app)  # the citizen's health space and its FHIR API
    boundary.init_app(app)  # last: one commit or rollback per request (see its doc)
    security.trust_proxies(app)  # outermost: every layer sees the client's address
    return app
