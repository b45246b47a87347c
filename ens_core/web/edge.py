"""The edge of the web interfaces (HTML forms, the JSON ``/api``, the OAuth endpoints):
what no request may carry, checked before a view or a query sees it, without touching
the database.

* **Integers** fit the database's ``INTEGER`` (32 bits on PostgreSQL): URL segments
  (``<int:…>`` answers 404 beyond), form and query fields (:class:`Integer`, a
  marshmallow field whose message lands in the form's error summary or the problem+json);
* **no NUL character** in a query string or a form (:func:`check_request`): PostgreSQL
  cannot store one, and no person types one — 400 in the interface's format.

The FHIR API has its own edge, on FHIR's datatypes (``ens_core.fhir.edge``).
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
OAUTH_JSON = ("/oauth/token", "/oauth/revoke", "/oauth/introspect")
_OWN_EDGE = ("/fhir",)  # the FHIR API answers its own way (ens_core.fhir.edge)


class Integer(fields.Integer):
    """An integer within the database's ``INTEGER`` range (then any range given)."""

    default_error_messages = {"bounds": _l("Ce nombre est hors des limites admises.")}

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is not None and not INT_MIN <= number <= INT_MAX:
            raise ValidationError(str(self.error_messages["bounds"]))
        return number


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` beyond the database's ``INTEGER`` is no page (404), not an overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def check_request():
    """Refuse a query string or form carrying a NUL character (before the view)."""
    if request.path.startswith(_OWN_EDGE):
        return None
    if not (_has_nul(request.args) or (request.method == "POST" and _has_nul(request.form))):
        return None
    description = str(_l("La requête contient un caractère nul (U+0000), qui n'est pas admis."))
    if request.path in OAUTH_JSON:
        response = jsonify(error="invalid_request", error_description=description)
        response.status_code = 400
        return response
    raise BadRequest(description)


def init_app(app: Flask) -> None:
    """Register before any route: the converter applies to rules added afterwards."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)
