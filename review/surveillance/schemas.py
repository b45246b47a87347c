"""Form schemas (marshmallow) of the surveillance pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from review.surveillance.models import ChangeKind, ComplaintCategory, SanctionKind

TEXT = validate.Length(min=3, max=5000)


class ComplaintSchema(Schema):
    service = fields.String(required=True, validate=validate.Length(min=1, max=120))
    category = fields.String(
        required=True, validate=validate.OneOf([c.value for c in ComplaintCategory])
    )
    description = fields.String(required=True, validate=TEXT)


class TriageSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(["dismissed", "closed"]))
    note = fields.String(required=True, validate=TEXT)


class AuditSchema(Schema):
    scope = fields.String(required=True, validate=TEXT)
    auditor = fields.String(required=True, validate=validate.Length(min=2, max=200))
    deadline = fields.Date(required=True)


class FindingsSchema(Schema):
    findings = fields.String(required=True, validate=TEXT)


class SanctionIntentSchema(Schema):
    grounds = fields.String(required=True, validate=TEXT)
    proposed = fields.String(
        required=True, validate=validate.OneOf([k.value for k in SanctionKind])
    )


class SanctionAnswerSchema(Schema):
    answer = fields.String(required=True, validate=TEXT)


class SanctionDecisionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in SanctionKind]))
    text = fields.String(required=True, validate=TEXT)
    suspended_until = fields.Date(load_default=None)
    until_condition = fields.String(load_default=None, validate=validate.Length(max=2000))

    @validates_schema
    def _suspension_end(self, data, **kwargs):
        if data.get("kind") == "suspension" and not (
            data.get("suspended_until") or (data.get("until_condition") or "").strip()
        ):
            raise ValidationError(
                _l("Indiquez une date de fin ou une condition de levée."), "suspended_until"
            )


class ChangeSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ChangeKind]))
    version = fields.String(load_default=None, validate=validate.Length(max=40))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    provider = fields.String(load_default=None, validate=validate.Length(max=200))
    country = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^[A-Za-z]{2}$", error=_l("Code ISO à deux lettres, par exemple DE.")
        ),
    )
    hds_certificate_number = fields.String(load_default=None, validate=validate.Length(max=80))
    hds_certificate_expiry = fields.Date(load_default=None)
    entity_name = fields.String(load_default=None, validate=validate.Length(max=200))
    share_percent = fields.Float(load_default=None, validate=validate.Range(min=0, max=100))
    declared_control = fields.Boolean(load_default=False)
    scopes = fields.String(load_default=None, validate=validate.Length(max=2000))
    effective_from = fields.Date(load_default=None)

    @validates_schema
    def _required_by_kind(self, data, **kwargs):
        needed = {
            "version": ["version"],
            "hosting": ["provider", "country", "hds_certificate_number", "hds_certificate_expiry"],
            "ownership": ["entity_name", "country", "share_percent"],
            "scopes": ["scopes"],
        }.get(data.get("kind"), [])
        missing = {
            f: [_l("Ce champ est obligatoire.")] for f in needed if data.get(f) in (None, "")
        }
        if missing:
            raise ValidationError(missing)


class ChangeReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "reject"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class OpinionSchema(Schema):
    favourable = fields.String(required=True, validate=validate.OneOf(["yes", "no"]))
