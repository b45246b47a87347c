from __future__ import annotations

from flask import Flask

from ens_core.demo import demo_cli
from ens_core.extensions import csrf
from ens_core.i18n_catalogs import i18n_cli
from ens_core.web import cells, context, cors, edge, errors, help, nav
from ens_core.web.views import bp


def init_app(app: Flask) -> None:
    edge.init_app(app)  # first: bounded <int:…> for every route registered after
    cors.init_app(app)  # preflights answered before any other check
    csrf.init_app(app)
    app.register_blueprint(bp)
    help.init_app(app)  # contact, legal notice, personal data, cookies
    errors.init_app(app)
    context.init_app(app)
    cells.init_app(app)
    nav.init_app(app)
    app.cli.add_command(demo_cli)
    app.cli.add_command(i18n_cli)
