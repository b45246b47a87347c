"""Language: French by default, English available (?lang=en, then cookie, then browser)."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale

from ens_core.extensions import babel
from ens_core.i18n_catalogs import translation_dirs
from ens_core.wording import country_name, retention_in_words

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


# --- dates, times and numbers for people ------------------------------------------------
# Stored in UTC, shown in the people's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Paris) and
# in the page's language: "2 mars 2026 à 13:00" / "2 March 2026 at 13:00", "68,5" / "68.5".


def local_date(value: date | datetime | None, style: str = "long") -> str:
    """A date as people write it ("2 mars 2026"); ``style="short"`` for tables
    ("02/03/2026" in French; "2 Mar 2026" in English, where 02/03 would read as February
    in half the English-speaking world). A datetime is first moved to Paris time."""
    if value is None:
        return ""
    if style == "short" and str(get_locale()) != "fr":
        style = "medium"
    if isinstance(value, datetime):
        return format_datetime(value, _DATE_ONLY[style])
    return format_date(value, _DATE_ONLY[style])


_DATE_ONLY = {"short": "dd/MM/yyyy", "medium": "d MMM yyyy", "long": "d MMMM yyyy"}


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """A moment in Paris time, in the page's language ("2 mars 2026 à 13:00")."""
    if value is None:
        return ""
    if style != "medium":
        return format_datetime(value, style)
    french = str(get_locale()) == "fr"
    return format_datetime(value, "d MMMM yyyy 'à' HH:mm" if french else "d MMMM yyyy, HH:mm")


def local_time(value: datetime | None) -> str:
    """The time of day in Paris ("13:00")."""
    return "" if value is None else format_time(value, "HH:mm")


def number(value, digits: int | None = None) -> str:
    """A number with the page's decimal sign ("68,5" in French); ``digits`` fixes the
    count of decimals shown."""
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


def init_app(app: Flask) -> None:
    # Each package (or sub-package) keeps its own catalogue; Flask-Babel merges them.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_dirs()))
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_language)
    app.jinja_env.globals["switch_language_url"] = switch_language_url
    for name, function in (
        ("local_date", local_date),
        ("local_datetime", local_datetime),
        ("local_time", local_time),
        ("number", number),
        ("retention_in_words", retention_in_words),
        ("country_name", country_name),
    ):
        app.add_template_filter(function, name)
