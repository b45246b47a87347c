"""The criteria referential: versioned data files, loaded and published, never edited."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ens_core.demo import register_demo_loader
    from review.referential.cli import referential_cli
    from review.referential.services import load_shipped_referentials
    from review.referential.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(referential_cli)
    register_demo_loader(25, "referential", load_shipped_referentials)
