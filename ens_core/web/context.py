"""Values every template can use (navigation, policies, language)."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from ens_core.accounts import policies


def _template_globals():
    return {
        "policies": policies,
        "current_locale": str(get_locale() or "fr"),
    }


def init_app(app: Flask) -> None:
    app.context_processor(_template_globals)
