"""Marshmallow at the HTML-form boundary: parse, validate, and explain errors in French.

Views call :func:`parse_form`; on errors they re-render the form with ``errors`` (a
mapping field -> list of messages) which the ``forms.html`` macros show next to each
field and in the error summary at the top. CSRF is checked globally by Flask-WTF.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError

# marshmallow's built-in messages, in the interface language.
_BUILTIN_MESSAGES = {
    "Missing data for required field.": _l("Ce champ est obligatoire."),
    "Field may not be null.": _l("Ce champ est obligatoire."),
    "Not a valid email address.": _l(
        "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
    ),
    "Not a valid date.": _l("Saisissez une date valide au format JJ/MM/AAAA."),
    "Not a valid datetime.": _l("Saisissez une date et une heure valides."),
    "Not a valid integer.": _l("Saisissez un nombre entier."),
    "Not a valid number.": _l("Saisissez un nombre."),
    "Not a valid boolean.": _l("Choisissez oui ou non."),
    "Not a valid URL.": _l("Saisissez une adresse web valide, commençant par https://."),
    "Not a valid string.": _l("Saisissez un texte."),
    "Not a valid list.": _l("Choix invalide."),
    "Shorter than minimum length {min}.": _l("Ce champ est trop court."),
    "Longer than maximum length {max}.": _l("Ce champ est trop long."),
    "Must be one of: {choices}.": _l("Choisissez une des valeurs proposées."),
}


def _translate(message: str) -> str:
    for english, french in _BUILTIN_MESSAGES.items():
        if message == english or ("{" in english and message.startswith(english.split("{", 1)[0])):
            return str(french)
    return message


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, msgs in _flatten(value, name).items():
                flat.setdefault(field, []).extend(msgs)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for field, msgs in _flatten(item, prefix).items():
                    flat.setdefault(field, []).extend(msgs)
            else:
                flat.setdefault(prefix or "_schema", []).append(_translate(str(item)))
    else:
        flat.setdefault(prefix or "_schema", []).append(_translate(str(messages)))
    return flat


def form_data(form) -> dict:
    """Flatten a MultiDict: single values as strings, repeated fields (checkboxes) as lists."""
    data = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = form.getlist(key)
        data[key] = values if len(values) > 1 or key.endswith("[]") else values[0]
    return {k.removesuffix("[]"): v for k, v in data.items()}


def parse_form(schema: Schema, form) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate a submitted form; returns ``(data, {})`` or ``(None, errors)``."""
    try:
        return schema.load(form_data(form), unknown=EXCLUDE), {}
    except ValidationError as error:
        return None, _flatten(error.messages)


def field_error(field: str, message: str) -> dict[str, list[str]]:
    """An error dict for one field, for checks a service makes after validation."""
    return {field: [message]}
