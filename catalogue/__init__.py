"""Organisations, services and their public listings, search, open data."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    import catalogue.editor.models
    import catalogue.models
    import catalogue.public.models  # noqa: F401  (tables known to the metadata)
    from catalogue import demo_records, editor, public
    from catalogue.directory import CatalogueDirectory
    from ens_core.accounts.policies import can_use_editor_portal
    from ens_core.service_directory import SERVICES
    from ens_core.web.nav import register_nav

    SERVICES.provide(app, CatalogueDirectory())  # what lower layers know of a service
    editor.init_app(app)  # the editor portal (/editeur)
    register_nav(app, "editor", "editor_portal.home", _l("Espace éditeur"), can_use_editor_portal)
    demo_records.register(app)
    public.init_app(app)  # public catalogue: search, listings, API, open data
