"""Measurements of a user journey, validated at the form boundary."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ens_core.web.edge import Integer

MAX_STEPS = 12


class StepSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=120))
    energy_ratio = fields.Float(
        required=True, validate=validate.Range(min=0.5, max=50), allow_nan=False
    )
    display_time_s = fields.Float(
        required=True, validate=validate.Range(min=0, max=600), allow_nan=False
    )
    data_kb = fields.Float(
        required=True, validate=validate.Range(min=0, max=1_000_000), allow_nan=False
    )
    dom_elements = Integer(load_default=None, validate=validate.Range(min=1, max=10**6))
    http_requests = Integer(load_default=None, validate=validate.Range(min=0, max=10**5))
    page_weight_kb = fields.Float(
        load_default=None, validate=validate.Range(min=0, max=1_000_000), allow_nan=False
    )

    @validates_schema
    def _web_fields_together(self, data, **_kwargs):
        web = [data.get(k) for k in ("dom_elements", "http_requests", "page_weight_kb")]
        if any(v is not None for v in web) and any(v is None for v in web):
            raise ValidationError(
                "Pour une page web, renseignez ensemble les éléments DOM, les requêtes HTTP "
                "et le poids de la page.",
                "dom_elements",
            )
