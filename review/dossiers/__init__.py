"""Referencing dossiers and their lifecycle."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from catalogue.editor.services import DECLARED_SCOPES, REFERENCING_STEP
    from ens_core.accounts.policies import can_use_editor_portal
    from ens_core.web.nav import register_nav
    from review.dossiers import demo_records, quality_views
    from review.dossiers.conformance import attached_report
    from review.dossiers.progress import referencing_progress
    from review.dossiers.services import declared_scopes
    from review.dossiers.views import agent_bp, editor_bp

    app.register_blueprint(editor_bp)
    app.register_blueprint(agent_bp)
    app.register_blueprint(quality_views.bp)
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
    # A sandbox conformance run checks the app asks only for the scopes declared here.
    DECLARED_SCOPES.provide(app, declared_scopes)
    # The attached sandbox conformance report, for the dossier views of every portal.
    app.jinja_env.globals["conformance_report_of"] = attached_report
