"""The criteria referential: versioned data files, loaded and published, never edited."""

from flask import Flask


def init_app(app: Flask) -> None:
    from review.referential import demo_records
    from review.referential.cli import referential_cli
    from review.referential.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(referential_cli)
    demo_records.register(app)
