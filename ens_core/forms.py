"""Marshmallow at the HTML-form boundary: parse, validate, and explain errors in French;
and the one way a view answers a submitted form.

A view handling a POST reads as *parse → call a service → answer*::

    with refusals_shown_on(partial(_complaint_page, complaint), SurveillanceError, field="state"):
        data = validated(TriageSchema())
        services.triage_complaint(current_user, complaint, **data)
    return saved(_("Tri enregistré."), url_for("surveillance.complaint", complaint_id=complaint.id))

Inside the ``with`` block, a form that does not validate (:func:`validated`, or
:class:`InvalidForm` raised for a check the view makes) or a refusal of one of the named
types rolls the request back (``ens_core.boundary.roll_back``) and answers the page again
with ``errors`` (a mapping field -> list of messages) that the ``forms.html`` macros show
next to each field and in the error summary at the top; the status is 400 unless said
otherwise. :func:`refusals_flashed` answers a refusal with a message and a redirect
instead. A page that shows a form on GET and answers it on POST wraps the block in
:func:`form_page`. On success, :func:`saved` flashes and redirects; the boundary commits.
CSRF is checked globally by Flask-WTF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from flask import abort, flash, make_response, redirect, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, pre_load

from ens_core.boundary import roll_back

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


class BlankAsNoneSchema(Schema):
    """A form's schema that ignores unknown fields and reads an empty field as None."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_to_none(self, data, **kwargs):
        return {k: (None if v == "" else v) for k, v in data.items()}


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


# --- answering a submitted form ------------------------------------------------------------


class InvalidForm(Exception):
    """The form cannot be accepted as sent; ``errors`` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def validated(schema: Schema, form=None) -> dict:
    """The submitted form (``request.form`` unless given) loaded by ``schema``; raises
    :class:`InvalidForm` with the messages when it does not validate."""
    data, errors = parse_form(schema, request.form if form is None else form)
    if data is None:
        raise InvalidForm(errors)
    return data


def validated_or_400(schema: Schema) -> dict:
    """The submitted form loaded by ``schema``, for a form whose fields the page fixes
    (buttons, hidden fields, a choice): one that does not validate is answered 400."""
    data, _errors = parse_form(schema, request.form)
    if data is None:
        abort(400)
    return data


def typed_values(*secret_fields: str) -> dict:
    """What was typed in the submitted form, to show again (never ``secret_fields``)."""
    values = request.form.to_dict()
    for name in secret_fields:
        values.pop(name, None)
    return values


def refusal_errors(
    error: Exception, field: str | None = None, message: str | None = None
) -> dict[str, list[str]]:
    """A service's refusal as form errors: on ``field`` if given, else on the field the
    refusal names (``error.field``), else at the top of the form; ``message`` if given,
    else the refusal's own."""
    message = message or getattr(error, "message", None) or str(error)
    return field_error(field or getattr(error, "field", None) or "_schema", message)


@contextmanager
def refusals_shown_on(
    page: Callable[[dict], object],
    *refusals: type[Exception],
    field: str | None = None,
    message: str | None = None,
    status: int = 400,
) -> Iterator[None]:
    """Answer an invalid form or one of ``refusals`` with ``page(errors)`` and ``status``,
    after rolling back what the block wrote (the page shows the database as it stands).
    A refusal is shown on ``field`` with ``message`` when given (see :func:`refusal_errors`)."""
    try:
        yield
    except InvalidForm as invalid:
        errors = invalid.errors
    except refusals as error:
        errors = refusal_errors(error, field, message)
    else:
        return
    roll_back()
    response = make_response(page(errors))
    response.status_code = status
    abort(response)


@contextmanager
def form_page(
    page: Callable[..., object],
    *refusals: type[Exception],
    field: str | None = None,
    message: str | None = None,
) -> Iterator[None]:
    """A page that shows a form and answers it at the same address: a GET answers
    ``page()`` at once (the block does not run); a POST runs the block as
    :func:`refusals_shown_on` does, an invalid form or a refusal answered with
    ``page(errors)`` (400)."""
    if request.method == "GET":
        abort(make_response(page()))
    with refusals_shown_on(page, *refusals, field=field, message=message):
        yield


@contextmanager
def refusals_flashed(
    url: str, *refusals: type[Exception], code: int = 302, message: str | None = None
) -> Iterator[None]:
    """Answer one of ``refusals`` with a message (``message``, else the refusal's) flashed
    and a redirect to ``url``, after rolling back what the block wrote."""
    try:
        yield
    except refusals as error:
        roll_back()
        flash(message or str(error), "error")
        abort(redirect(url, code))


def saved(message: str, url: str, code: int = 302, category: str = "success"):
    """The answer to a form the services accepted: a message, then a redirect."""
    flash(message, category)
    return redirect(url, code)
