"""The public catalogue: search, listing pages, JSON API, open data, the public list of
production applications. It reads the listing spine (``catalogue.models``) only."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from catalogue.public import templating
    from catalogue.public.api import init_api
    from catalogue.public.cli import catalogue_cli
    from catalogue.public.opendata import bp as opendata_bp

    # Importing the search module registers the mapper events that keep its index.
    from catalogue.public.search import recently_referenced
    from catalogue.public.views import bp
    from ens_core.web.nav import register_nav

    templating.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    init_api(app)
    app.cli.add_command(catalogue_cli)
    app.jinja_env.globals["recently_referenced_services"] = recently_referenced
    register_nav(app, "catalogue", "catalogue_public.index", _l("Catalogue"))
