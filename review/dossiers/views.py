"""Dossier pages: editors under /editeur/dossiers, agents under /agent/dossiers.

Every route loads the dossier and checks the policy on it (an editor of another
organisation gets 404, as if the dossier did not exist).
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from catalogue import services as catalogue
from catalogue.models import PURPOSE_LABELS, DataPurpose
from catalogue.policies import can_manage_service
from ens_core.accounts.models import Role
from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal, requires
from ens_core.accounts.services import active_users_with_role, get_user, users_by_ids
from ens_core.forms import (
    InvalidForm,
    field_error,
    form_page,
    parse_form,
    refusals_flashed,
    refusals_shown_on,
    saved,
    validated,
    validated_or_400,
)
from review.dossiers import conformance, double, progress, services
from review.dossiers import evidence as evidence_files
from review.dossiers.lifecycle import IllegalTransition
from review.dossiers.models import (
    ANSWER_LABELS,
    VERDICT_LABELS,
    Answer,
    DossierState,
    EvaluatorRole,
    Verdict,
)
from review.dossiers.policies import (
    can_download_evidence,
    can_manage_dossier,
    can_reconcile,
    can_record_independent_evaluation,
    can_review_dossier,
    can_see_independent_evaluations,
)
from review.dossiers.schemas import (
    AdmissibilitySchema,
    AnswerSchema,
    CommentSchema,
    DataRequestSchema,
    InformationAnswerSchema,
    InformationRequestSchema,
    OpenDossierSchema,
    ReconciliationSchema,
    RequiredCommentSchema,
    SecondEvaluatorSchema,
    VerdictSchema,
)
from review.referential.models import Area
from review.scoring import services as scoring
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


def _refusals(dossier, back: str, *refusals: type[Exception]):
    """A business rule or an illegal transition: nothing changed, say why (409)."""
    return refusals_shown_on(partial(_refused_page, dossier, back), *refusals, status=409)


def _refused_page(dossier, back: str, errors: dict):
    message = next(iter(errors.values()))[0]
    return render_template(
        "review/dossiers/refused.html", dossier=dossier, message=message, back=back
    )


def _to_show(dossier) -> str:
    return url_for(".show", dossier_id=dossier.id)


def _to_agent_show(dossier) -> str:
    return url_for(".agent_show", dossier_id=dossier.id)


def _saved_show(dossier, message: str):
    """Done: the editor's dossier page, with ``message``."""
    return saved(message, _to_show(dossier), 303)


def _saved_agent_show(dossier, message: str):
    """Done: the agent's dossier page, with ``message``."""
    return saved(message, _to_agent_show(dossier), 303)


def _context(dossier) -> dict:
    """What both portals show about a dossier."""
    return {
        **scoring.score_panel(dossier),
        "dossier": dossier,
        "criteria": services.criteria_of(dossier),
        "answers": services.answers_by_criterion(dossier),
        "evaluations": services.evaluations_by_criterion(dossier),
        "measurement": scoring.measurement_of(dossier),
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


def _index_page(errors=None, selected=None):
    organisations = catalogue.organisations_of(current_user)
    return render_template(
        "review/dossiers/editor_index.html",
        dossiers=services.dossiers_of_organisations([o.id for o in organisations]),
        available=[
            s for o in organisations for s in o.services if services.open_dossier_of(s) is None
        ],
        selected=selected,
        errors=errors or {},
    )


@editor_bp.route("")
@requires(can_use_editor_portal)
def index():
    wanted, _errors = parse_form(OpenDossierSchema(), request.args)
    return _index_page(selected=wanted["service_id"] if wanted else None)


@editor_bp.route("/ouvrir", methods=["POST"])
@requires(can_use_editor_portal)
def open_():
    with refusals_shown_on(_index_page):
        service = catalogue.get_service(validated(OpenDossierSchema())["service_id"])
        if service is None or not can_manage_service(current_user, service):
            raise InvalidForm(field_error("service_id", _("Choisissez un de vos services.")))
    with refusals_flashed(url_for(".index"), services.DossierError, code=303):
        dossier = services.open_dossier(current_user, service)
    return _saved_show(
        dossier,
        _("Dossier ouvert selon le référentiel %(v)s.", v=dossier.referential_version.version),
    )


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
    if dossier.state not in services.FINAL_STATES:
        context["conformance_attachable"] = conformance.attachable_choices(dossier)
    context["stages"] = progress.dossier_stages(dossier)
    return render_template("review/dossiers/editor_show.html", **context)


@editor_bp.route("/<int:dossier_id>/conformite", methods=["POST"])
@requires(can_use_editor_portal)
def attach_conformance(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    run_id = request.form.get("run_id", "")
    with _refusals(dossier, _to_show(dossier), services.DossierError):
        if dossier.state in services.FINAL_STATES or not run_id.isdigit():
            raise services.DossierError(_("Cet essai ne peut pas être joint à ce dossier."))
        conformance.attach_conformance_run(current_user, dossier, int(run_id))
    return _saved_show(dossier, _("Le rapport de conformité est joint au dossier."))


def _criterion_rows(criteria, schema, fields: tuple[str, str], values: dict):
    """One row of the form per criterion (inputs named ``{field}-{code}``), each loaded by
    ``schema``; ``values`` keeps what was typed. Returns ({code: data}, errors)."""
    rows, errors = {}, {}
    for criterion in criteria:
        code = criterion.code
        raw = {name: request.form.get(f"{name}-{code}", "") for name in fields}
        values[code] = raw
        try:
            rows[code] = schema.load(raw)
        except ValidationError as error:
            for name, messages in error.messages.items():
                errors[f"{name}-{code}"] = [str(m) for m in messages]
    return rows, errors


def _area_criteria(dossier, area: Area, only: str | None = None):
    """The area's criteria, or only the one coded ``only`` (404 when it is not there)."""
    criteria = [c for c in services.criteria_of(dossier) if c.area is area]
    if only is None:
        return criteria
    chosen = [c for c in criteria if c.code == only]
    if not chosen:
        abort(404)
    return chosen


def _answer_inputs(dossier, area: Area, only: str | None = None):
    criteria = _area_criteria(dossier, area, only)
    values: dict = {}
    rows, errors = _criterion_rows(criteria, AnswerSchema(), ("answer", "justification"), values)
    inputs = {}
    for code, data in rows.items():
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
    stored = _stored_answers(dossier, area_)
    if request.method == "GET":
        return _answers_page(dossier, area_, stored)
    # One criterion's form (each has its own button), or the whole area at once.
    only = request.form.get("criterion") or None
    _criteria, inputs, errors, values = _answer_inputs(dossier, area_, only)
    with refusals_shown_on(partial(_answers_page, dossier, area_, {**stored, **values})):
        if errors:
            raise InvalidForm(errors)
        with _refusals(dossier, _to_show(dossier), services.DossierError):
            problems = services.save_answers(current_user, dossier, inputs)
        if problems:
            raise InvalidForm(problems)
    if only is None:
        return _saved_show(dossier, _("Réponses enregistrées."))
    return saved(
        _("Réponse au critère %(code)s enregistrée.", code=only),
        _next_criterion_url(dossier, area_, only),
        303,
    )


def _next_criterion_url(dossier, area: Area, code: str) -> str:
    """The area's page at the criterion after ``code`` (at its summary after the last)."""
    codes = [c.code for c in _area_criteria(dossier, area)]
    following = codes[codes.index(code) + 1 :]
    anchor = f"criterion-{following[0]}" if following else "answers-summary"
    return url_for(".answers", dossier_id=dossier.id, area=area.value, _anchor=anchor)


def _stored_answers(dossier, area: Area) -> dict:
    existing = services.answers_by_criterion(dossier)
    return {
        c.code: {
            "answer": existing[c.id].answer.value if c.id in existing else "",
            "justification": existing[c.id].justification if c.id in existing else "",
        }
        for c in services.criteria_of(dossier)
        if c.area is area
    }


def _answers_page(dossier, area: Area, values: dict, errors=None):
    return render_template(
        "review/dossiers/editor_answers.html",
        dossier=dossier,
        area=area,
        criteria=[c for c in services.criteria_of(dossier) if c.area is area],
        existing=services.answers_by_criterion(dossier),
        values=values,
        errors=errors or {},
        answer_labels=ANSWER_LABELS,
        editable=dossier.state in services.EDITABLE_STATES,
    )


@editor_bp.route("/<int:dossier_id>/donnees", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def data_requests(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    page = partial(_data_requests_page, dossier)
    with form_page(page, services.DossierError, field="scope"):
        data = validated(DataRequestSchema())
        services.add_data_request(
            current_user,
            dossier,
            scope=data["scope"].strip(),
            purpose=DataPurpose(data["purpose"]),
            retention_days=data["retention_days"],
            justification=data["justification"].strip(),
        )
    return saved(
        _("Donnée demandée ajoutée."), url_for(".data_requests", dossier_id=dossier.id), 303
    )


def _data_requests_page(dossier, errors=None):
    return render_template(
        "review/dossiers/editor_data.html",
        dossier=dossier,
        errors=errors or {},
        values=request.form.to_dict(),
        purposes=[(p.value, p.label) for p in DataPurpose],
        editable=dossier.state in services.EDITABLE_STATES,
    )


@editor_bp.route("/<int:dossier_id>/donnees/<int:request_id>/supprimer", methods=["POST"])
@requires(can_use_editor_portal)
def remove_data_request(dossier_id: int, request_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    back = url_for(".data_requests", dossier_id=dossier.id)
    with _refusals(dossier, back, services.DossierError):
        services.remove_data_request(current_user, dossier, request_id)
    return saved(_("Donnée demandée retirée."), back, 303)


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
    if request.method == "GET":
        return _measurements_page(dossier, rows, measured_on)
    steps, errors, rows = _steps_from_form()
    measured_on = request.form.get("measured_on", "").strip()[:200]
    with refusals_shown_on(partial(_measurements_page, dossier, rows, measured_on)):
        if errors:
            raise InvalidForm(errors)
        with _refusals(dossier, _to_show(dossier), services.DossierError):
            scoring.save_measurements(current_user, dossier, steps, measured_on)
    return _saved_show(dossier, _("Mesures enregistrées ; l'écoscore est recalculé."))


def _measurements_page(dossier, rows, measured_on, errors=None):
    return render_template(
        "review/dossiers/editor_measurements.html",
        dossier=dossier,
        rows=rows,
        measured_on=measured_on,
        errors=errors or {},
        editable=dossier.state in services.EDITABLE_STATES,
    )


@editor_bp.route("/<int:dossier_id>/deposer", methods=["POST"])
@requires(can_use_editor_portal)
def submit(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    with _refusals(dossier, _to_show(dossier), services.DossierError, IllegalTransition):
        services.submit_dossier(current_user, dossier)
    return _saved_show(dossier, _("Dossier déposé. L'autorité vérifie sa recevabilité."))


@editor_bp.route("/<int:dossier_id>/retirer", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def withdraw(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    if request.method == "GET":
        if dossier.state in services.FINAL_STATES:
            return redirect(_to_show(dossier), 303)
        return _withdraw_page(dossier)
    data = validated_or_400(CommentSchema())
    with _refusals(dossier, _to_show(dossier), IllegalTransition):
        services.withdraw_dossier(current_user, dossier, data["comment"].strip())
    return _saved_show(dossier, _("Dossier retiré."))


def _withdraw_page(dossier):
    """Ask before a dossier is withdrawn: it cannot be taken back."""
    return render_template(
        "review/dossiers/editor_withdraw.html",
        dossier=dossier,
        action=url_for(".withdraw", dossier_id=dossier.id),
        back=_to_show(dossier),
        confirm_label=_("Retirer définitivement"),
        consequences=[
            _(
                "L'instruction du dossier s'arrête : l'autorité et la commission ne l'examinent plus."
            ),
            _(
                "Le dossier ne peut pas être rouvert ; pour demander à nouveau le référencement, il faudra en déposer un nouveau et recommencer les étapes."
            ),
            _("Vos réponses et pièces restent consultables dans l'historique du dossier."),
        ],
        errors={},
    )


def _editor_show_with(dossier, errors):
    context = _context(dossier)
    context.update(
        show_scores=False, problems=[], errors=errors, stages=progress.dossier_stages(dossier)
    )
    return render_template("review/dossiers/editor_show.html", **context)


@editor_bp.route("/<int:dossier_id>/complements", methods=["POST"])
@requires(can_use_editor_portal)
def answer_information(dossier_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    uploads = request.files.getlist("attachments")
    with refusals_shown_on(
        partial(_editor_show_with, dossier), services.AttachmentRejected, field="attachments"
    ):
        answer = validated(InformationAnswerSchema())["answer"].strip()
        with _refusals(dossier, _to_show(dossier), services.DossierError, IllegalTransition):
            services.answer_information_request(current_user, dossier, answer, uploads)
    return _saved_show(dossier, _("Réponse envoyée ; l'évaluation reprend."))


def _send_evidence(dossier, evidence_id: int):
    return _send_stored(services.find_evidence(dossier, evidence_id))


def _send_attachment(dossier, attachment_id: int):
    return _send_stored(services.find_attachment(dossier, attachment_id))


def _send_stored(item):
    """A stored file (evidence, an answer's attachment) as a download, or 404."""
    response = evidence_files.download(item) if item is not None else None
    if response is None:
        abort(404)
    return response


@editor_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>/supprimer", methods=["POST"])
@requires(can_use_editor_portal)
def remove_evidence(dossier_id: int, evidence_id: int):
    dossier = _load(dossier_id, can_manage_dossier)
    with _refusals(dossier, _to_show(dossier), services.DossierError):
        services.remove_evidence(current_user, dossier, evidence_id)
    return _saved_show(dossier, _("Pièce supprimée."))


@editor_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>")
@requires(can_use_editor_portal)
def evidence(dossier_id: int, evidence_id: int):
    return _send_evidence(_load(dossier_id, can_download_evidence), evidence_id)


@editor_bp.route("/<int:dossier_id>/complements/pieces/<int:attachment_id>")
@requires(can_use_editor_portal)
def attachment(dossier_id: int, attachment_id: int):
    return _send_attachment(_load(dossier_id, can_download_evidence), attachment_id)


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
        double=_double_context(dossier),
    )
    return render_template("review/dossiers/agent_show.html", **context), status


def _double_context(dossier) -> dict | None:
    """What the agent's pages show of the double evaluation (None: no such area). The
    other evaluator's verdicts only once both have handed in (blind until then)."""
    if not double.double_criteria(dossier):
        return None
    first = double.evaluator(dossier, EvaluatorRole.FIRST)
    second = double.evaluator(dossier, EvaluatorRole.SECOND)
    visible = can_see_independent_evaluations(current_user, dossier)
    lead_id = double.lead_agent_id(dossier)
    mine = double.verdicts_of(dossier, current_user.id)
    return {
        "areas": double.double_areas(dossier),
        "criteria": double.double_criteria(dossier),
        "first": first,
        "second": second,
        "me": double.evaluator_of(dossier, current_user),
        "mine": mine,
        "lead_id": lead_id,
        "is_lead": can_reconcile(current_user, dossier),
        "names": users_by_ids([e.agent_id for e in dossier.evaluators] + [lead_id or 0]),
        "visible": visible,
        "agreement": double.agreement_of(dossier) if visible else None,
        "by_area": [(a, double.agreement_of(dossier, a)) for a in double.double_areas(dossier)]
        if visible
        else [],
        "divergences": double.divergences(dossier) if visible else [],
        "problems": double.completion_problems(dossier),
        "candidates": [
            (str(u.id), u.name)
            for u in active_users_with_role(Role.AGENT, Role.ADMIN)
            if u.id != current_user.id and (first is None or u.id != first.agent_id)
        ]
        if second is None and dossier.state in double.ASSIGNABLE_STATES
        else [],
    }


@agent_bp.route("/<int:dossier_id>")
@requires(can_use_agent_portal)
def agent_show(dossier_id: int):
    return _agent_page(_load(dossier_id, can_review_dossier))


def _agent_form_refusals(dossier, *refusals: type[Exception], field: str | None = None):
    """The agent's dossier page again, with the form's messages (400)."""
    page = partial(_agent_page, dossier, values=request.form.to_dict())
    return refusals_shown_on(page, *refusals, field=field)


@agent_bp.route("/<int:dossier_id>/recevabilite", methods=["POST"])
@requires(can_use_agent_portal)
def admissibility(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _agent_form_refusals(dossier):
        data = validated(AdmissibilitySchema())
    with _refusals(dossier, _to_agent_show(dossier), services.DossierError, IllegalTransition):
        services.decide_admissibility(
            current_user,
            dossier,
            admissible=data["decision"] == "admissible",
            comment=data["comment"].strip(),
        )
    return _saved_agent_show(dossier, _("Recevabilité enregistrée."))


@agent_bp.route("/<int:dossier_id>/evaluation/demarrer", methods=["POST"])
@requires(can_use_agent_portal)
def start_evaluation(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _refusals(dossier, _to_agent_show(dossier), IllegalTransition):
        services.start_evaluation(current_user, dossier)
    return redirect(_to_agent_show(dossier), 303)


@agent_bp.route("/<int:dossier_id>/evaluation/<area>", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def evaluate(dossier_id: int, area: str):
    dossier = _load(dossier_id, can_review_dossier)
    area_ = _area_or_404(area)
    criteria = [c for c in services.criteria_of(dossier) if c.area is area_]
    doubled = area_ in double.double_areas(dossier)
    existing = (
        double.verdicts_of(dossier, current_user.id)
        if doubled
        else services.evaluations_by_criterion(dossier)
    )
    values = {
        c.code: {
            "verdict": existing[c.id].verdict.value if c.id in existing else "",
            "comment": existing[c.id].comment if c.id in existing else "",
        }
        for c in criteria
    }
    page = partial(_evaluate_page, dossier, area_, criteria, values)
    if request.method == "GET":
        return page()
    verdicts, errors = _verdict_inputs(criteria, values)
    with refusals_shown_on(page):
        if errors:
            raise InvalidForm(errors)
        with _refusals(dossier, _to_agent_show(dossier), services.DossierError):
            problems = services.save_evaluations(current_user, dossier, verdicts)
        if problems:
            raise InvalidForm(problems)
    return _saved_agent_show(dossier, _("Évaluation enregistrée."))


def _verdict_inputs(criteria, values: dict) -> tuple[dict, dict]:
    """Each criterion's verdict and comment from the form (``values`` keeps what was typed)."""
    rows, errors = _criterion_rows(criteria, VerdictSchema(), ("verdict", "comment"), values)
    verdicts = {
        code: (Verdict(data["verdict"]) if data["verdict"] else None, data["comment"].strip())
        for code, data in rows.items()
    }
    return verdicts, errors


def _evaluate_page(dossier, area: Area, criteria, values: dict, errors=None):
    doubled = area in double.double_areas(dossier)
    if doubled:
        editable = can_record_independent_evaluation(current_user, dossier)
    else:
        editable = dossier.state is S.UNDER_EVALUATION
    return render_template(
        "review/dossiers/agent_evaluate.html",
        dossier=dossier,
        area=area,
        criteria=criteria,
        answers=services.answers_by_criterion(dossier),
        values=values,
        errors=errors or {},
        verdict_labels=VERDICT_LABELS,
        editable=editable,
        doubled=doubled,
        double=_double_context(dossier) if doubled else None,
        finals=services.evaluations_by_criterion(dossier),
    )


@agent_bp.route("/<int:dossier_id>/complements", methods=["POST"])
@requires(can_use_agent_portal)
def request_information(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _agent_form_refusals(dossier, services.DossierError, field="deadline"):
        data = validated(InformationRequestSchema())
        with _refusals(dossier, _to_agent_show(dossier), IllegalTransition):
            services.request_information(
                current_user,
                dossier,
                questions=data["questions"].strip(),
                deadline=data["deadline"],
            )
    return _saved_agent_show(
        dossier, _("Demande de compléments envoyée ; le délai d'instruction est suspendu.")
    )


@agent_bp.route("/<int:dossier_id>/evaluer", methods=["POST"])
@requires(can_use_agent_portal)
def complete_evaluation(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    data, _errors = parse_form(CommentSchema(), request.form)
    # Refused (criteria left, divergences to reconcile…): the page again, the message at
    # the form's field and in the summary (409: nothing changed).
    page = partial(_agent_page, dossier, values=request.form.to_dict(), status=409)
    with refusals_shown_on(
        page, services.DossierError, IllegalTransition, field="comment", status=409
    ):
        services.complete_evaluation(current_user, dossier, (data or {}).get("comment", ""))
    return _saved_agent_show(
        dossier, _("Évaluation terminée ; les scores sont visibles par l'éditeur.")
    )


@agent_bp.route("/<int:dossier_id>/clore", methods=["POST"])
@requires(can_use_agent_portal)
def close(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _agent_form_refusals(dossier):
        comment = validated(RequiredCommentSchema())["comment"].strip()
    with _refusals(dossier, _to_agent_show(dossier), services.DossierError, IllegalTransition):
        services.close_for_missed_deadline(current_user, dossier, comment)
    return _saved_agent_show(dossier, _("Dossier clos."))


@agent_bp.route("/<int:dossier_id>/preuves/<int:evidence_id>")
@requires(can_use_agent_portal)
def agent_evidence(dossier_id: int, evidence_id: int):
    return _send_evidence(_load(dossier_id, can_download_evidence), evidence_id)


# --- double evaluation ---------------------------------------------------------------


@agent_bp.route("/<int:dossier_id>/double/second-evaluateur", methods=["POST"])
@requires(can_use_agent_portal)
def assign_second_evaluator(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _agent_form_refusals(dossier, services.DossierError, field="agent_id"):
        data = validated(SecondEvaluatorSchema())
        agent = get_user(data["agent_id"])
        if agent is None or not can_use_agent_portal(agent):
            raise InvalidForm(field_error("agent_id", _("Choisissez un agent.")))
        double.assign_second_evaluator(current_user, dossier, agent)
    return _saved_agent_show(
        dossier,
        _("Second évaluateur désigné ; vous arbitrerez les divergences éventuelles."),
    )


@agent_bp.route("/<int:dossier_id>/double/remettre", methods=["POST"])
@requires(can_use_agent_portal)
def finish_independent_evaluation(dossier_id: int):
    dossier = _load(dossier_id, can_review_dossier)
    with _refusals(dossier, _to_agent_show(dossier), services.DossierError):
        double.finish_independent_evaluation(current_user, dossier)
    return _saved_agent_show(dossier, _("Votre évaluation indépendante est remise."))


@agent_bp.route("/<int:dossier_id>/divergences")
@requires(can_use_agent_portal)
def divergences(dossier_id: int):
    dossier = _load(dossier_id, can_see_independent_evaluations)
    return _divergences_page(dossier)


def _divergences_page(dossier, errors=None, values=None, status=200):
    context = {
        "dossier": dossier,
        "double": _double_context(dossier),
        "verdict_labels": VERDICT_LABELS,
        "errors": errors or {},
        "values": values or {},
        "editable": can_reconcile(current_user, dossier) and dossier.state is S.UNDER_EVALUATION,
    }
    return render_template("review/dossiers/agent_divergences.html", **context), status


@agent_bp.route("/<int:dossier_id>/divergences/<code>", methods=["POST"])
@requires(can_use_agent_portal)
def reconcile(dossier_id: int, code: str):
    dossier = _load(dossier_id, can_see_independent_evaluations)
    if not can_reconcile(current_user, dossier):
        abort(403)
    # The page has one form per divergence: its fields are named after the criterion.
    form = MultiDict(
        {name: request.form.get(f"{name}-{code}", "") for name in ("verdict", "reason")}
    )
    values = {f"{name}-{code}": value for name, value in form.items()}
    page = partial(_divergences_page, dossier, values=values)
    with refusals_shown_on(_prefixed(page, code), services.DossierError, field="reason"):
        data = validated(ReconciliationSchema(), form)
        double.reconcile_divergence(
            current_user, dossier, code, Verdict(data["verdict"]), data["reason"]
        )
    return saved(
        _("Divergence sur %(code)s arbitrée.", code=code),
        url_for(".divergences", dossier_id=dossier.id),
        303,
    )


def _prefixed(page, code: str):
    """The divergences page with a form's errors named after its criterion."""

    def render(errors):
        return page(errors={f"{field}-{code}": messages for field, messages in errors.items()})

    return render


@agent_bp.route("/<int:dossier_id>/complements/pieces/<int:attachment_id>")
@requires(can_use_agent_portal)
def agent_attachment(dossier_id: int, attachment_id: int):
    return _send_attachment(_load(dossier_id, can_download_evidence), attachment_id)
