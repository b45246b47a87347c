"""Form schemas (marshmallow) of the sovereignty pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class RegistryChangeSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z]{2}$", error=_l("Code ISO à deux lettres, par exemple NO.")
        ),
    )
    union = fields.String(required=True, validate=validate.OneOf(["eu", "eea"]))
    action = fields.String(required=True, validate=validate.OneOf(["leave", "join"]))
    on = fields.Date(required=True)
    name = fields.String(load_default=None, validate=validate.Length(max=120))


class AttestationReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _reason_when_rejected(self, data, **kwargs):
        if data.get("decision") == "reject" and not data.get("comment", "").strip():
            raise ValidationError(_l("Expliquez le refus à l'éditeur."), "comment")
