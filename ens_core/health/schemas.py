"""Marshmallow schemas of the health space's forms and query strings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ens_core.health.datatypes import DOCUMENT_TYPES, HIDEABLE_TYPES
from ens_core.health.models import AbuseCategory, GuardianshipKind
from ens_core.notifications.services import KINDS
from ens_core.web.edge import Integer


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class _Filters(_Base):
    """A filter form sent by GET: a browser sends every field, the empty ones too; an
    empty field means "no filter" (issue 15, defect 4)."""

    @pre_load
    def _blank_means_no_filter(self, data, **kwargs):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


class HistoryQuery(_Filters):
    service = Integer(load_default=None)
    resource_type = fields.String(
        load_default=None,
        validate=validate.OneOf(
            ["", "Observation", "DocumentReference", "Appointment", "Patient", "Bundle", "Binary"]
        ),
    )
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)
    kind = fields.String(
        load_default=None, validate=validate.OneOf(["", "reads", "writes", "failures"])
    )
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    page = Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class DocumentQuery(_Filters):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    type = fields.String(load_default=None, validate=validate.OneOf(["", *DOCUMENT_TYPES]))
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class HideTypeForm(_Base):
    data_type = fields.String(required=True, validate=validate.OneOf(list(HIDEABLE_TYPES)))
    hidden = fields.Boolean(required=True)


class HiddenForm(_Base):
    hidden = fields.Boolean(required=True)


class SwitchProfileForm(_Base):
    # "self", or the id of a ward (an INTEGER: nine digits at most)
    ward = fields.String(required=True, validate=validate.Regexp(r"^(self|[0-9]{1,9})$"))


class AbuseForm(_Base):
    service = Integer(required=True)
    category = fields.String(
        required=True, validate=validate.OneOf([c.value for c in AbuseCategory])
    )
    description = fields.String(
        required=True,
        validate=validate.Length(
            min=20, max=5000, error=_l("Décrivez le problème en 20 à 5000 caractères.")
        ),
    )


class PreferencesForm(_Base):
    in_app = fields.List(fields.String(validate=validate.OneOf(list(KINDS))), load_default=list)
    email = fields.List(fields.String(validate=validate.OneOf(list(KINDS))), load_default=list)


class GuardianshipForm(_Base):
    guardian_email = fields.Email(required=True)
    ward_email = fields.Email(required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf([k.value for k in GuardianshipKind])
    )
    reference = fields.String(load_default=None, validate=validate.Length(max=200))
    ends_on = fields.Date(load_default=None)
