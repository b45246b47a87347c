"""Language: French by default, English available (?lang=en, then cookie, then browser)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request

from ens_core.extensions import babel
from ens_core.i18n_catalogs import translation_dirs

LANG_COOKIE = "ens_lang"


def select_locale() -> str:
    languages = current_app.config["ENS_LANGUAGES"]
    if not has_request_context():  # CLI, background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _remember_language(response):
    asked = request.args.get("lang")
    if asked in current_app.config["ENS_LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def switch_language_url(lang: str) -> str:
    """The current page in another language (the switch keeps the page and its query)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask) -> None:
    # Each package (or sub-package) keeps its own catalogue; Flask-Babel merges them.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_dirs()))
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_language)
    app.jinja_env.globals["switch_language_url"] = switch_language_url
