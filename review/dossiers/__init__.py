"""Referencing dossiers and their lifecycle."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from ens_core.accounts.policies import can_use_editor_portal
    from ens_core.web.nav import register_nav
    from review.dossiers import demo_records
    from review.dossiers.views import agent_bp, editor_bp

    app.register_blueprint(editor_bp)
    app.register_blueprint(agent_bp)
    demo_records.register(app)
    register_nav(
        35, "editor_dossiers.index", _l("Dossiers de référencement"), can_use_editor_portal
    )

    try:
        from catalogue.editor.services import REFERENCING_STEP_PROVIDERS
    except ImportError:  # the editor portal is not installed
        return
    from review.dossiers.services import referencing_step

    if referencing_step not in REFERENCING_STEP_PROVIDERS:
        REFERENCING_STEP_PROVIDERS.append(referencing_step)
