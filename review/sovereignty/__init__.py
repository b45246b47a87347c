"""Sovereignty rules: the EU/EEA country registry, the rules engine, automatic
suspension, reinstatement, delisting and data-deletion orders."""

from flask import Flask


def init_app(app: Flask) -> None:
    from review.sovereignty.cli import countries_cli, sovereignty_cli
    from review.sovereignty.views import agent_bp, editor_bp

    app.config.setdefault("ENS_REGULARISATION_MONTHS", 6)
    app.config.setdefault("ENS_DELETION_ORDER_DAYS", 30)
    app.cli.add_command(countries_cli)
    app.cli.add_command(sovereignty_cli)
    app.register_blueprint(agent_bp)
    app.register_blueprint(editor_bp)
    register_declaration_listener()

    from flask_babel import lazy_gettext as _l

    from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal
    from ens_core.web.nav import register_nav

    register_nav(42, "sovereignty.home", _l("Souveraineté"), can_use_agent_portal)
    register_nav(35, "compliance.home", _l("Conformité"), can_use_editor_portal)


def on_declaration(subject, declaration) -> None:
    """Listener for the editor portal: evaluate at once after a hosting or owner
    declaration (``subject`` is a Service or an Organisation)."""
    from catalogue.models import Organisation, Service
    from review.sovereignty.services import declaration_received

    if isinstance(subject, Service):
        declaration_received(subject)
    elif isinstance(subject, Organisation):
        for service in subject.services:
            declaration_received(service)


def register_declaration_listener() -> None:
    try:
        from catalogue.editor.services import DECLARATION_LISTENERS
    except ImportError:  # the editor portal is not on this branch
        return
    if on_declaration not in DECLARATION_LISTENERS:
        DECLARATION_LISTENERS.append(on_declaration)
