"""Referencing dossiers and their lifecycle."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from catalogue.editor.services import REFERENCING_STEP
    from ens_core.accounts.policies import can_use_editor_portal
    from ens_core.web.nav import register_nav
    from review.dossiers import demo_records
    from review.dossiers.progress import referencing_progress
    from review.dossiers.views import agent_bp, editor_bp

    app.register_blueprint(editor_bp)
    app.register_blueprint(agent_bp)
    demo_records.register(app)
    register_nav(
        app,
        "editor_dossiers",
        "editor_dossiers.index",
        _l("Dossiers de référencement"),
        can_use_editor_portal,
    )
    # The editor portal's next step towards referencing is the dossier.
    REFERENCING_STEP.provide(app, referencing_progress)
