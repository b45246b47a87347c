"""Form schemas of the commission portal and the agent's secretariat pages."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, pre_load, validate

from ens_core.forms import BlankAsNoneSchema, _flatten
from ens_core.web.edge import Integer
from review.commission.models import College, Section, Sector, VoteChoice

PARIS = ZoneInfo("Europe/Paris")
LINK_FIELDS = (
    "section",
    "organisation_name",
    "organisation_siren",
    "sector",
    "nature",
    "starts_on",
    "ends_on",
    "amount_eur",
)


class MandateSchema(BlankAsNoneSchema):
    college = fields.Enum(College, by_value=True, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class EndMandateSchema(BlankAsNoneSchema):
    last_day = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class NewMemberSchema(MandateSchema):
    email = fields.Email(required=True)


class LinkSchema(BlankAsNoneSchema):
    section = fields.Enum(Section, by_value=True, required=True)
    organisation_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    organisation_siren = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{9}$", error=_l("Un SIREN compte 9 chiffres.")),
    )
    sector = fields.Enum(Sector, by_value=True, required=True)
    nature = fields.String(required=True, validate=validate.Length(min=2, max=300))
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    amount_eur = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class DeclarationSchema(BlankAsNoneSchema):
    statement = fields.String(load_default="", allow_none=True, validate=validate.Length(max=5000))
    confirm = fields.Boolean(
        required=True,
        truthy={"on", "1", "true"},
        validate=validate.Equal(True, error=_l("Confirmez l'exactitude de la déclaration.")),
    )


def parse_links(form, rows: int) -> tuple[list[dict], dict[str, list[str]]]:
    """Rows ``links-<i>-<field>``; blank rows are ignored; errors keyed by input name."""
    links, errors = [], {}
    for i in range(rows):
        raw = {name: (form.get(f"links-{i}-{name}") or "").strip() for name in LINK_FIELDS}
        if not any(raw[k] for k in ("organisation_name", "nature", "organisation_siren")):
            continue
        try:
            links.append(LinkSchema().load(raw))
        except ValidationError as error:
            for field, messages in _flatten(error.messages).items():
                errors[f"links-{i}-{field}"] = messages
    return links, errors


class SessionSchema(BlankAsNoneSchema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    held_at = fields.DateTime(format="%Y-%m-%dT%H:%M", required=True)
    location = fields.String(load_default="", allow_none=True, validate=validate.Length(max=200))
    presiding_member_id = Integer(required=True)

    @post_load
    def _aware(self, data, **kwargs):
        data["held_at"] = data["held_at"].replace(tzinfo=PARIS).astimezone(UTC)
        data["location"] = data.get("location") or ""
        return data


class ReconveneSchema(BlankAsNoneSchema):
    held_at = fields.DateTime(format="%Y-%m-%dT%H:%M", required=True)

    @post_load
    def _aware(self, data, **kwargs):
        data["held_at"] = data["held_at"].replace(tzinfo=PARIS).astimezone(UTC)
        return data


class AgendaSchema(BlankAsNoneSchema):
    dossier_id = Integer(required=True)


class AttendanceSchema(BlankAsNoneSchema):
    present = fields.List(Integer(), load_default=list)

    @pre_load
    def _listify(self, data, **kwargs):
        value = data.get("present")
        if value is None or value == "":
            data["present"] = []
        elif not isinstance(value, list):
            data["present"] = [value]
        return data


class VoteSchema(BlankAsNoneSchema):
    choice = fields.Enum(VoteChoice, by_value=True, required=True)
    reservations = fields.String(
        load_default="", allow_none=True, validate=validate.Length(max=5000)
    )


class BallotSchema(BlankAsNoneSchema):
    """The recap page's answer: the signed prepared vote, and confirm or modify."""

    ballot = fields.String(required=True, validate=validate.Length(max=8000))
    action = fields.String(required=True, validate=validate.OneOf(["confirm", "modify"]))


class CommentSchema(BlankAsNoneSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class RecusalSchema(BlankAsNoneSchema):
    reason = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))


class ConflictDecisionSchema(BlankAsNoneSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirm", "dismiss"]))
    reason = fields.String(load_default="", allow_none=True, validate=validate.Length(max=2000))
