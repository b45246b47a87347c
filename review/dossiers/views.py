"""Dossier pages: editors under /editeur/dossiers, agents under /agent/dossiers.

Every route loads the dossier and checks the policy on it (an editor of another
organisation gets 404, as if the dossier did not exist).
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from catalogue import services as catalogue
from catalogue.models import PURPOSE_LABELS, DataPurpose
from catalogue.policies import can_manage_service
from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal, requires
from ens_core.db import db
from ens_core.forms import field_error, parse_form
from review.dossiers import evidence as evidence_files
from review.dossiers import services
from review.dossiers.lifecycle import IllegalTransition
from review.dossiers.models import ANSWER_LABELS, VERDICT_LABELS, Answer, DossierState, Verdict
from review.dossiers.policies import can_download_evidence, can_manage_dossier, can_review_dossier
from review.dossiers.schemas import (
    AdmissibilitySchema,
    AnswerSchema,
    CommentSchema,
    DataRequestSchema,
    InformationAnswerSchema,
    InformationRequestSchema,
    OpenDossierSchema,
    RequiredCommentSchema,
    VerdictSchema,
)
from review.referential.models import Area
from review.scoring import services as scoring
from review.scoring.charts import bars_svg
from review.scoring.schemas import MAX_STEPS, StepSchema

editor_bp = Blueprint("editor_dossiers", __name__, url_prefix="/editeur/dossiers")
agent_bp = Blueprint("agent_dossiers", __name__, url_prefix="/agent/dossiers")
S = DossierState
SCORES_VISIBLE_TO_EDITOR = {
    S.EVALUATED,
    S.SCHEDULED,
    S.OPINION_GIVEN,
    S.REFERENCED_PENDING,
    S.REFERENCED,
    S.REFUSED,
}


def _load(dossier_id: int, policy):
    dossier = services.get_dossier(dossier_id)
    if dossier is None or not policy(current_user, dossier):
        abort(404)
    return dossier


def _refused(dossier, error: Exception, back: str):
    """A business rule or an illegal transition: nothing changed, say why."""
    db.session.rollback()
    return render_template(
        "review/dossiers/refused.html", dossier=dossier, message=str(error), back=back
    ), 409


def _context(dossier) -> dict:
    """What both portals show about a dossier."""
    scores = scoring.dossier_scores(dossier)
    eco = scoring.ecoscore_for(dossier)
    rows = [(Area(a).label, v) for a, v in scores.items()]
    return {
        "dossier": dossier,
        "criteria": services.criteria_of(dossier),
        "answers": services.answers_by_criterion(dossier),
        "evaluations": services.evaluations_by_criterion(dossier),
        "measurement": scoring.measurement_of(dossier),
        "eco": eco,
        "scores": scores,
        "criteria_scores": {str(a): v for a, v in scoring.criteria_scores(dossier).items()},
        "chart": bars_svg(rows, _("Profil du dossier par domaine (sur 100)")) if rows else None,
        "areas": list(Area),
        "clock": services.review_clock_days(dossier),
        "waiting": services.open_information_request(dossier),
        "purpose_labels": PURPOSE_LABELS,
    }


def _area_or_404(area: str) -> Area:
    try:
        return Area(area)
    except ValueError:
        abort(404)


# --- editor ---------------------------------------------------------------------------


@editor_bp.route("")
@requires(can_use_editor_portal)
def index():
    organisations = catalogue.organisations_of(current_user)
    dossiers = services.dossiers_of_organisations([o.id for o in organisations])
    available = [
        s for o in organisations for s in o.services if services.open_dossier_of(s) is None
    ]
    wanted, _errors = parse_form(OpenDossierSchema(), request.args)
    return render_template(
        "review/dossiers/editor_index.html",
        dossiers=dossiers,
        available=available,
        selected=wanted["service_id"] if wanted else None,
        errors={},
    )


@editor_bp.route("/ouvrir", methods=["POST"])
@requires(can_use_editor_portal)
def open_():
    data, errors = parse_form(OpenDossierSchema(), request.form)
    service = catalogue.get_service(data["service_id"]) if data else None
    if service is None or not can_manage_service(current_user, service):
        errors = errors or field_error("service_id", _("Choisissez un de vos services."))
        organisations = catalogue.organisations_of(current_user)
        return render_template(
            "review/dossiers/editor_index.html",
            dossiers=services.dossiers_of_organisations([o.id for o in organisations]),
            available=[
                s for o in organisations for s in o.services if services.open_dossier_of(s) is None
            ],
            errors=errors,
        ), 400
    try:
        dossier = services.open_dossier(current_user, service)
    except services.DossierError as error:
        flash(str(error), "error")
        return redirect(url_for(".index"), 303)
    db.session.commit()
    flash(
        _("Dossier ouvert selon le référentiel %(v)s.", v=dossier.referential_version.version),
        "success",
    )
    return redirect(url_for(".show", dossier_id=dossier.id), 303)


@editor_bp.route("/<int:dossier_id>")
@requires(can_use_editor_portal)
def show(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    context = _context(dossier)
    context["show_scores"] = dossier.state in SCORES_VISIBLE_TO_EDITOR
    context["problems"] = services.completeness_problems(dossier)
    context["findings"] = (
        services.admissibility_findings(dossier) if dossier.state is S.DRAFT else []
    )
    context["errors"] = {}
    return render_template("review/dossiers/editor_show.html", **context)


def _answer_inputs(dossier, area: Area):
    criteria = [c for c in services.criteria_of(dossier) if c.area is area]
    inputs, errors, values = {}, {}, {}
    for criterion in criteria:
        code = criterion.code
        raw = {
            "answer": request.form.get(f"answer-{code}", ""),
            "justification": request.form.get(f"justification-{code}", ""),
        }
        values[code] = raw
        try:
            data = AnswerSchema().load(raw)
        except ValidationError as error:
            for name, messages in error.messages.items():
                errors[f"{name}-{code}"] = [str(m) for m in messages]
            continue
        upload = request.files.get(f"evidence-{code}")
        if upload is not None and not upload.filename:
            upload = None
        inputs[code] = services.AnswerInput(
            answer=Answer(data["answer"]) if data["answer"] else None,
            justification=data["justification"].strip(),
            upload=upload,
        )
    return criteria, inputs, errors, values


@editor_bp.route("/<int:dossier_id>/reponses/<area>", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def answers(dossier_id: int, area: str):
    dossier = _load(dossier_id, can_manage_dossier)
    area_ = _area_or_404(area)
    existing = services.answers_by_criterion(dossier)
    criteria = [c for c in services.criteria_of(dossier) if c.area is area_]
    values = {
        c.code: {
            "answer": existing[c.id].answer.value if c.id in existing else "",
            "justification": existing[c.id].justification if c.id in existing else "",
        }
        for c in criteria
    }
    errors: dict = {}
    status = 200
    if request.method == "POST":
        criteria, inputs, errors, values = _answer_inputs(dossier, area_)
        if not errors:
            try:
                errors = services.save_answers(current_user, dossier, inputs)
            except services.DossierError as error:
                return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
        if not errors:
            db.session.commit()
            flash(_("Réponses enregistrées."), "success")
            return redirect(url_for(".show", dossier_id=dossier.id), 303)
        db.session.rollback()
        status = 400
    return render_template(
        "review/dossiers/editor_answers.html",
        dossier=dossier,
        area=area_,
        criteria=criteria,
        existing=existing,
        values=values,
        errors=errors,
        answer_labels=ANSWER_LABELS,
        editable=dossier.state in services.EDITABLE_STATES,
    ), status


@editor_bp.route("/<int:dossier_id>/donnees", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def data_requests(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        data, errors = parse_form(DataRequestSchema(), request.form)
        if data is not None:
            try:
                services.add_data_request(
                    current_user,
                    dossier,
                    scope=data["scope"].strip(),
                    purpose=DataPurpose(data["purpose"]),
                    retention_days=data["retention_days"],
                    justification=data["justification"].strip(),
                )
            except services.DossierError as error:
                db.session.rollback()
                errors = field_error("scope", str(error))
            else:
                db.session.commit()
                flash(_("Donnée demandée ajoutée."), "success")
                return redirect(url_for(".data_requests", dossier_id=dossier.id), 303)
        status = 400
    return render_template(
        "review/dossiers/editor_data.html",
        dossier=dossier,
        errors=errors,
        values=values,
        purposes=[(p.value, p.label) for p in DataPurpose],
        editable=dossier.state in services.EDITABLE_STATES,
    ), status


@editor_bp.route("/<int:dossier_id>/donnees/<int:request_id>/supprimer", methods=["POST"])
@requires(can_use_editor_portal)
def remove_data_request(dossier_id: int, request_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    try:
        services.remove_data_request(current_user, dossier, request_id)
    except services.DossierError as error:
        return _refused(dossier, error, url_for(".data_requests", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Donnée demandée retirée."), "success")
    return redirect(url_for(".data_requests", dossier_id=dossier.id), 303)


STEP_FIELDS = (
    "label",
    "energy_ratio",
    "display_time_s",
    "data_kb",
    "dom_elements",
    "http_requests",
    "page_weight_kb",
)


def _steps_from_form():
    steps, errors, rows = [], {}, []
    for index in range(MAX_STEPS):
        raw = {f: request.form.get(f"step-{index}-{f}", "").strip() for f in STEP_FIELDS}
        rows.append(raw)
        if not any(raw.values()):
            continue
        data = {k: v.replace(",", ".") for k, v in raw.items() if v}
        try:
            steps.append(StepSchema().load(data))
        except ValidationError as error:
            for name, messages in error.messages.items():
                errors[f"step-{index}-{name}"] = [
                    _("Ce champ est obligatoire.")
                    if str(m) == "Missing data for required field."
                    else _("Valeur invalide.")
                    if str(m).startswith(("Not a valid", "Must be"))
                    else str(m)
                    for m in messages
                ]
    if not steps and not errors:
        errors["step-0-label"] = [_("Saisissez au moins une étape du parcours.")]
    return steps, errors, rows


@editor_bp.route("/<int:dossier_id>/ecoscore", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def measurements(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    measurement = scoring.measurement_of(dossier)
    rows = [
        {f: ("" if s.get(f) is None else s.get(f)) for f in STEP_FIELDS}
        for s in (measurement.steps if measurement else [])
    ]
    rows += [dict.fromkeys(STEP_FIELDS, "") for _ in range(MAX_STEPS - len(rows))]
    measured_on = measurement.measured_on if measurement else ""
    errors, status = {}, 200
    if request.method == "POST":
        steps, errors, rows = _steps_from_form()
        measured_on = request.form.get("measured_on", "").strip()[:200]
        if not errors:
            try:
                scoring.save_measurements(current_user, dossier, steps, measured_on)
            except services.DossierError as error:
                return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
            db.session.commit()
            flash(_("Mesures enregistrées ; l'écoscore est recalculé."), "success")
            return redirect(url_for(".show", dossier_id=dossier.id), 303)
        status = 400
    return render_template(
        "review/dossiers/editor_measurements.html",
        dossier=dossier,
        rows=rows,
        measured_on=measured_on,
        errors=errors,
        editable=dossier.state in services.EDITABLE_STATES,
    ), status


@editor_bp.route("/<int:dossier_id>/deposer", methods=["POST"])
@requires(can_use_editor_portal)
def submit(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    try:
        services.submit_dossier(current_user, dossier)
    except (services.DossierError, IllegalTransition) as error:
        return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Dossier déposé. L'autorité vérifie sa recevabilité."), "success")
    return redirect(url_for(".show", dossier_id=dossier.id), 303)


@editor_bp.route("/<int:dossier_id>/retirer", methods=["POST"])
@requires(can_use_editor_portal)
def withdraw(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    data, _errors = parse_form(CommentSchema(), request.form)
    if data is None:
        abort(400)
    try:
        services.withdraw_dossier(current_user, dossier, data["comment"].strip())
    except IllegalTransition as error:
        return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Dossier retiré."), "success")
    return redirect(url_for(".show", dossier_id=dossier.id), 303)


@editor_bp.route("/<int:dossier_id>/complements", methods=["POST"])
@requires(can_use_editor_portal)
def answer_information(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    data, errors = parse_form(InformationAnswerSchema(), request.form)
    if data is None:
        context = _context(dossier)
        context.update(show_scores=False, problems=[], errors=errors)
        return render_template("review/dossiers/editor_show.html", **context), 400
    try:
        services.answer_information_request(current_user, dossier, data["answer"].strip())
    except (services.DossierError, IllegalTransition) as error:
        return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Réponse envoyée ; l'évaluation reprend."), "success")
    return redirect(url_for(".show", dossier_id=dossier.id), 303)


def _send_evidence(dossier, evidence_id: int):
    item = services.find_evidence(dossier, evidence_id)
    if item is None:
        abort(404)
    path = evidence_files.path_of(item.stored_name)
    if not path.is_file():
        abort(404)
    # At most 10 MB: read at once, so that no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@editor_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>/supprimer", methods=["POST"])
@requires(can_use_editor_portal)
def remove_evidence(dossier_id: int, evidence_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    try:
        services.remove_evidence(current_user, dossier, evidence_id)
    except services.DossierError as error:
        return _refused(dossier, error, url_for(".show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Pièce supprimée."), "success")
    return redirect(url_for(".show", dossier_id=dossier.id), 303)


@editor_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>")
@requires(can_use_editor_portal)
def evidence(dossier_id: int, evidence_id: int):
    return _send_evidence(_load(dossier_id, can_download_evidence), evidence_id)


# --- agent ----------------------------------------------------------------------------


@agent_bp.route("")
@requires(can_use_agent_portal)
def agent_index():
    state = request.args.get("etat", "")
    states = [S(state)] if state in {s.value for s in S} else None
    return render_template(
        "review/dossiers/agent_index.html",
        dossiers=services.dossiers_in(states),
        states=list(S),
        selected=state,
        open_request=services.open_information_request,
    )


def _agent_page(dossier, errors=None, status=200, values=None):
    context = _context(dossier)
    context.update(
        findings=services.admissibility_findings(dossier),
        blocking=services.blocking_criteria(dossier),
        unevaluated=services.unevaluated_criteria(dossier),
        errors=errors or {},
        values=values or {},
    )
    return render_template("review/dossiers/agent_show.html", **context), status


@agent_bp.route("/<int:dossier_id>")
@requires(can_use_agent_portal)
def agent_show(dossier_id: int):
    return _agent_page(_load(dossier_id, can_review_dossier))


@agent_bp.route("/<int:dossier_id>/recevabilite", methods=["POST"])
@requires(can_use_agent_portal)
def admissibility(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    data, errors = parse_form(AdmissibilitySchema(), request.form)
    if data is None:
        return _agent_page(dossier, errors, 400, request.form.to_dict())
    try:
        services.decide_admissibility(
            current_user,
            dossier,
            admissible=data["decision"] == "admissible",
            comment=data["comment"].strip(),
        )
    except (services.DossierError, IllegalTransition) as error:
        return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Recevabilité enregistrée."), "success")
    return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)


@agent_bp.route("/<int:dossier_id>/evaluation/demarrer", methods=["POST"])
@requires(can_use_agent_portal)
def start_evaluation(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    try:
        services.start_evaluation(current_user, dossier)
    except IllegalTransition as error:
        return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
    db.session.commit()
    return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)


@agent_bp.route("/<int:dossier_id>/evaluation/<area>", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def evaluate(dossier_id: int, area: str):
    dossier = _load(dossier_id, can_review_dossier)
    area_ = _area_or_404(area)
    criteria = [c for c in services.criteria_of(dossier) if c.area is area_]
    existing = services.evaluations_by_criterion(dossier)
    values = {
        c.code: {
            "verdict": existing[c.id].verdict.value if c.id in existing else "",
            "comment": existing[c.id].comment if c.id in existing else "",
        }
        for c in criteria
    }
    errors, status = {}, 200
    if request.method == "POST":
        verdicts = {}
        for criterion in criteria:
            code = criterion.code
            raw = {
                "verdict": request.form.get(f"verdict-{code}", ""),
                "comment": request.form.get(f"comment-{code}", ""),
            }
            values[code] = raw
            try:
                data = VerdictSchema().load(raw)
            except ValidationError as error:
                for name, messages in error.messages.items():
                    errors[f"{name}-{code}"] = [str(m) for m in messages]
                continue
            verdicts[code] = (
                Verdict(data["verdict"]) if data["verdict"] else None,
                data["comment"].strip(),
            )
        if not errors:
            try:
                errors = services.save_evaluations(current_user, dossier, verdicts)
            except services.DossierError as error:
                return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
        if not errors:
            db.session.commit()
            flash(_("Évaluation enregistrée."), "success")
            return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)
        db.session.rollback()
        status = 400
    return render_template(
        "review/dossiers/agent_evaluate.html",
        dossier=dossier,
        area=area_,
        criteria=criteria,
        answers=services.answers_by_criterion(dossier),
        values=values,
        errors=errors,
        verdict_labels=VERDICT_LABELS,
        editable=dossier.state is S.UNDER_EVALUATION,
    ), status


@agent_bp.route("/<int:dossier_id>/complements", methods=["POST"])
@requires(can_use_agent_portal)
def request_information(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    data, errors = parse_form(InformationRequestSchema(), request.form)
    if data is None:
        return _agent_page(dossier, errors, 400, request.form.to_dict())
    try:
        services.request_information(
            current_user, dossier, questions=data["questions"].strip(), deadline=data["deadline"]
        )
    except services.DossierError as error:
        db.session.rollback()
        return _agent_page(
            dossier, field_error("deadline", str(error)), 400, request.form.to_dict()
        )
    except IllegalTransition as error:
        return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Demande de compléments envoyée ; le délai d'instruction est suspendu."), "success")
    return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)


@agent_bp.route("/<int:dossier_id>/evaluer", methods=["POST"])
@requires(can_use_agent_portal)
def complete_evaluation(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    data, _errors = parse_form(CommentSchema(), request.form)
    try:
        services.complete_evaluation(current_user, dossier, (data or {}).get("comment", ""))
    except (services.DossierError, IllegalTransition) as error:
        return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Évaluation terminée ; les scores sont visibles par l'éditeur."), "success")
    return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)


@agent_bp.route("/<int:dossier_id>/clore", methods=["POST"])
@requires(can_use_agent_portal)
def close(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    data, errors = parse_form(RequiredCommentSchema(), request.form)
    if data is None:
        return _agent_page(dossier, errors, 400, request.form.to_dict())
    try:
        services.close_for_missed_deadline(current_user, dossier, data["comment"].strip())
    except (services.DossierError, IllegalTransition) as error:
        return _refused(dossier, error, url_for(".agent_show", dossier_id=dossier.id))
    db.session.commit()
    flash(_("Dossier clos."), "success")
    return redirect(url_for(".agent_show", dossier_id=dossier.id), 303)


@agent_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>")
@requires(can_use_agent_portal)
def agent_evidence(dossier_id: int, evidence_id: int):
    return _send_evidence(_load(dossier_id, can_download_evidence), evidence_id)
