"""Form schemas of the decision pages."""

from __future__ import annotations

from marshmallow import fields, validate

from catalogue.models import DataPurpose
from ens_core.forms import BlankAsNoneSchema
from ens_core.web.edge import Integer
from review.decisions.models import Outcome


class DecisionSchema(BlankAsNoneSchema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    reasons = fields.String(load_default="", allow_none=True, validate=validate.Length(max=20000))
    valid_until = fields.Date(load_default=None, allow_none=True)


class DataUseSchema(BlankAsNoneSchema):
    scope = fields.String(required=True, validate=validate.Length(min=3, max=80))
    purpose = fields.Enum(DataPurpose, by_value=True, required=True)
    retention_days = Integer(required=True, validate=validate.Range(min=1, max=36500))


class LiftSchema(BlankAsNoneSchema):
    note = fields.String(load_default="", allow_none=True, validate=validate.Length(max=5000))
