"""Sovereignty rules: the EU/EEA country registry, the rules engine, automatic
suspension, reinstatement, delisting and data-deletion orders."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ens_core.signals import declaration_recorded
    from review.sovereignty.cli import countries_cli, sovereignty_cli
    from review.sovereignty.services import on_declaration
    from review.sovereignty.views import agent_bp

    app.config.setdefault("ENS_REGULARISATION_MONTHS", 6)
    app.config.setdefault("ENS_DELETION_ORDER_DAYS", 30)
    app.cli.add_command(countries_cli)
    app.cli.add_command(sovereignty_cli)
    app.register_blueprint(agent_bp)
    # The editor's compliance blueprint (editor_bp) also carries surveillance's pages: the
    # surveillance package registers it.
    declaration_recorded.connect(on_declaration, app)

    from flask_babel import lazy_gettext as _l

    from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal
    from ens_core.web.nav import register_nav

    register_nav(app, "sovereignty", "sovereignty.home", _l("Souveraineté"), can_use_agent_portal)
    register_nav(app, "compliance", "compliance.home", _l("Conformité"), can_use_editor_portal)

