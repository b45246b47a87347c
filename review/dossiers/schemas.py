"""Marshmallow schemas of the dossier forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from catalogue.models import DataPurpose
from ens_core.web.edge import Integer
from review.dossiers.models import Answer, Verdict


class BlankAsMissing(Schema):
    """Empty form fields count as absent (optional fields then take their default)."""

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


class OpenDossierSchema(Schema):
    service_id = Integer(required=True)


class AnswerSchema(BlankAsMissing):
    answer = fields.String(load_default=None, validate=validate.OneOf([a.value for a in Answer]))
    justification = fields.String(load_default="", validate=validate.Length(max=5000))


class VerdictSchema(BlankAsMissing):
    verdict = fields.String(load_default=None, validate=validate.OneOf([v.value for v in Verdict]))
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


# The longest retention a dossier may request (the referencing rules' ceiling).
MAX_RETENTION_DAYS = 3650


class DataRequestSchema(Schema):
    scope = fields.String(required=True, validate=validate.Length(min=3, max=80))
    purpose = fields.String(
        required=True,
        validate=validate.OneOf(
            [p.value for p in DataPurpose],
            error=_l("Choisissez une finalité : prévention, diagnostic, soins ou suivi social."),
        ),
    )
    retention_days = Integer(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_RETENTION_DAYS, error=_l("Une durée de 1 à 3 650 jours.")
        ),
    )
    justification = fields.String(load_default="", validate=validate.Length(max=2000))


class CommentSchema(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class RequiredCommentSchema(Schema):
    comment = fields.String(required=True, validate=validate.Length(min=3, max=5000))


class AdmissibilitySchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["admissible", "inadmissible"]))
    comment = fields.String(required=True, validate=validate.Length(min=3, max=5000))


class InformationRequestSchema(BlankAsMissing):
    questions = fields.String(required=True, validate=validate.Length(min=10, max=10000))
    deadline = fields.Date(load_default=None)


class InformationAnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=3, max=10000))


class SecondEvaluatorSchema(Schema):
    agent_id = Integer(
        required=True, error_messages={"required": _l("Choisissez un agent.")}
    )


class ReconciliationSchema(BlankAsMissing):
    verdict = fields.String(
        required=True,
        validate=validate.OneOf([v.value for v in Verdict]),
        error_messages={"required": _l("Choisissez l'avis retenu.")},
    )
    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=5000),
        error_messages={"required": _l("Motivez votre arbitrage.")},
    )
