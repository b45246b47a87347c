"""Boundary schemas of the authorization server's HTML forms."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from authz.consent import MAX_MONTHS
from ens_core.web.edge import Integer


class ConsentSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["allow", "deny"]))
    scopes = fields.List(fields.String(validate=validate.Length(max=80)), load_default=list)
    duration = fields.String(load_default="long", validate=validate.OneOf(["one_time", "long"]))
    months = Integer(load_default=MAX_MONTHS, validate=validate.Range(min=1, max=MAX_MONTHS))
    acting_for = Integer(load_default=None, allow_none=True)

    @pre_load
    def _normalise(self, data, **kwargs):
        data = dict(data)
        if isinstance(data.get("scopes"), str):
            data["scopes"] = [data["scopes"]]
        if data.get("acting_for") in ("", "self"):
            data["acting_for"] = None
        return data
