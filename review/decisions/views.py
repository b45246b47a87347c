"""Agent pages: dossiers awaiting a decision, the decision form, lifting reservations."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from catalogue.models import DataPurpose
from ens_core.accounts.policies import requires
from ens_core.db import db
from ens_core.forms import InvalidForm, _flatten, parse_form, refusals_shown_on, saved, validated
from review.commission.services import dossier_service, opinion_of, tally
from review.decisions import schemas, services, sources
from review.decisions.models import Outcome
from review.decisions.policies import can_decide, can_read_decisions
from review.dossiers.models import Dossier

decisions_bp = Blueprint("decisions", __name__, url_prefix="/agent/decisions")


@decisions_bp.route("", endpoint="index")
@requires(can_read_decisions)
def index():
    return render_template(
        "review/decisions/index.html",
        awaiting=services.awaiting_decision(),
        decisions=services.recent_decisions(),
        decision_of=services.decision_of,
        service_of=dossier_service,
        can_decide=can_decide(current_user),
    )


def _rows(dossier):
    requested = sources.requested_uses(dossier)
    return requested, len(requested)


def _render_form(dossier, errors=None, values=None, status=200):
    item = opinion_of(dossier)
    requested, rows = _rows(dossier)
    if values is None:
        values = {"valid_until": (date.today() + relativedelta(years=3)).isoformat()}
        for i, use in enumerate(requested or []):
            values |= {
                f"uses-{i}-scope": use.scope,
                f"uses-{i}-purpose": str(use.purpose),
                f"uses-{i}-retention_days": str(use.retention_days),
                f"uses-{i}-approved": "on",
            }
    return (
        render_template(
            "review/decisions/form.html",
            dossier=dossier,
            service=dossier_service(dossier),
            item=item,
            result=tally(item) if item else None,
            requested=requested,
            rows=rows,
            purposes=DataPurpose,
            outcomes=Outcome,
            errors=errors or {},
            values=values,
            decision=services.decision_of(dossier),
            can_decide=can_decide(current_user),
        ),
        status,
    )


def _dossier(dossier_id: int) -> Dossier:
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        abort(404)
    return dossier


@decisions_bp.route("/dossiers/<int:dossier_id>", methods=["GET"])
@requires(can_read_decisions)
def show(dossier_id: int):
    dossier = _dossier(dossier_id)
    if opinion_of(dossier) is None and services.decision_of(dossier) is None:
        abort(404)
    return _render_form(dossier)


def _parse_uses(form, requested, rows):
    uses, errors = [], {}
    for i in range(rows):
        if form.get(f"uses-{i}-approved") != "on":
            continue
        raw = {
            "scope": (form.get(f"uses-{i}-scope") or "").strip(),
            "purpose": form.get(f"uses-{i}-purpose") or "",
            "retention_days": form.get(f"uses-{i}-retention_days") or "",
        }
        try:
            data = schemas.DataUseSchema().load(raw)
        except ValidationError as error:
            for field, messages in _flatten(error.messages).items():
                errors[f"uses-{i}-{field}"] = messages
            continue
        uses.append(sources.DataUse(data["scope"], data["purpose"], data["retention_days"]))
    return uses, errors


@decisions_bp.route("/dossiers/<int:dossier_id>", methods=["POST"])
@requires(can_decide)
def decide(dossier_id: int):
    dossier = _dossier(dossier_id)
    with _shown_on(dossier):
        data, errors = parse_form(schemas.DecisionSchema(), request.form)
        uses, use_errors = _parse_uses(request.form, *_rows(dossier))
        if errors or use_errors:
            raise InvalidForm(errors | use_errors)
        decision = services.record_decision(
            current_user,
            dossier,
            outcome=data["outcome"],
            reasons=data["reasons"] or "",
            valid_until=data["valid_until"],
            approved_uses=uses if data["outcome"] is Outcome.REFERENCED else [],
        )
    return saved(
        _("Décision enregistrée : %(outcome)s.", outcome=decision.outcome.label),
        url_for("decisions.show", dossier_id=dossier.id),
        303,
    )


def _shown_on(dossier):
    """The decision form again, as typed, with the messages (400)."""

    def page(errors):
        return _render_form(dossier, errors, request.form)

    return refusals_shown_on(page, services.DecisionError)


@decisions_bp.route("/<int:decision_id>/levee-des-reserves", methods=["POST"])
@requires(can_decide)
def lift(decision_id: int):
    decision = services.get_decision(decision_id)
    if decision is None:
        abort(404)
    with _shown_on(decision.dossier):
        note = validated(schemas.LiftSchema())["note"] or ""
        services.lift_reservations(current_user, decision, note=note)
    return saved(
        _("Réserves levées : le service est référencé."),
        url_for("decisions.show", dossier_id=decision.dossier_id),
        303,
    )
