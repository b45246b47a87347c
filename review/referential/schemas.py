"""Validation of referential data files (marshmallow at the file boundary)."""

from __future__ import annotations

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from ens_core.web.edge import Integer
from review.referential.models import AnswerType, Area

CODE = re.compile(r"^[A-Z]{3}-\d{2}$")


class TextSchema(Schema):
    class Meta:
        unknown = RAISE

    fr = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    en = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CriterionSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True)
    area = fields.String(required=True, validate=validate.OneOf([a.value for a in Area]))
    topic = fields.String(load_default="", validate=validate.Length(max=80))
    mandatory = fields.Boolean(required=True, truthy={True}, falsy={False})
    answer_type = fields.String(
        required=True, validate=validate.OneOf([t.value for t in AnswerType])
    )
    evidence_required = fields.Boolean(required=True, truthy={True}, falsy={False})
    weight = Integer(required=True, strict=True, validate=validate.Range(min=1, max=10))
    statement = fields.Nested(TextSchema, required=True)
    guidance = fields.Nested(TextSchema, load_default=None)

    @validates("code")
    def _code(self, value, **_kwargs):
        if not CODE.match(value):
            raise ValidationError("A code is three capitals, a dash and two digits (SEC-01).")


class ReferentialFileSchema(Schema):
    class Meta:
        unknown = RAISE

    version = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z._-]{1,20}$"))
    title = fields.Nested(TextSchema, required=True)
    notes = fields.Nested(TextSchema, load_default=None)
    effective_from = fields.Date(required=True)
    # Areas that need two independent evaluations. No default here: a file that does not
    # say keeps its content hash (published versions are immutable) and gets the default
    # (security and ethics) from the model.
    double_evaluation = fields.List(fields.String(validate=validate.OneOf([a.value for a in Area])))
    criteria = fields.List(
        fields.Nested(CriterionSchema), required=True, validate=validate.Length(min=1)
    )

    @validates_schema
    def _unique_codes(self, data, **_kwargs):
        codes = [c["code"] for c in data.get("criteria", [])]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValidationError("Duplicate criterion codes: " + ", ".join(duplicates), "criteria")
