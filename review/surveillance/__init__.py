"""Surveillance: complaints, audits, sanctions, renewals and change declarations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from review.surveillance.views import agent_bp, editor_bp

    app.config.setdefault("ENS_SANCTION_ANSWER_DAYS", 15)
    app.register_blueprint(agent_bp)
    app.register_blueprint(editor_bp)
