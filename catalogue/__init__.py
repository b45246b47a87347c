"""Organisations, services and their public listings, search, open data."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from catalogue import demo_records, editor, public
    from catalogue.views import bp
    from ens_core.accounts.policies import can_use_editor_portal
    from ens_core.web.nav import register_nav

    app.register_blueprint(bp)
    editor.init_app(app)
    register_nav(30, "editor.home", _l("Espace éditeur"), can_use_editor_portal)
    demo_records.register(app)
    public.init_app(app)  # public catalogue: search, listings, API, open data
