"""The editor portal: organisation, colleagues, services, sandbox credentials, logos and
the hosting and owner declarations that feed the sovereignty rules."""

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue.editor.views import bp

    app.register_blueprint(bp)
