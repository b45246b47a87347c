"""Dossier services: open, answer, declare data, submit, admissibility, information
requests, evaluation, withdrawal. Every state change goes through ``transition``.

Services only flush; the transaction boundary commits once. Access control is checked by
the views with ``review.dossiers.policies``; services check the dossier's state and the
business rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.models import DataPurpose, Service
from catalogue.services import editors_of, service_ids_of_organisations
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.notifications.services import notify
from ens_core.scopes import ALL_SCOPES
from review.dossiers import double
from review.dossiers import evidence as evidence_files
from review.dossiers.errors import DossierError
from review.dossiers.lifecycle import transition
from review.dossiers.models import (
    Answer,
    CriterionAnswer,
    CriterionEvaluation,
    DataRequest,
    Dossier,
    DossierState,
    Evidence,
    InformationAttachment,
    InformationRequest,
    Verdict,
)
from review.dossiers.schemas import MAX_RETENTION_DAYS
from review.referential.models import Criterion, ReferentialVersion
from review.referential.services import current_version
from review.scoring.models import JourneyMeasurement
from review.surveillance import renewal

S = DossierState
EDITABLE_STATES = {S.DRAFT, S.INFORMATION_REQUESTED}
FINAL_STATES = {S.INADMISSIBLE, S.REFUSED, S.WITHDRAWN, S.CLOSED, S.REFERENCED}
DEFAULT_INFORMATION_DAYS = 30

# FHIR R4 resource types a health app may ask for through the ENS API.
RESOURCE_TYPES = (
    "AllergyIntolerance",
    "Appointment",
    "CarePlan",
    "Condition",
    "Consent",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "Goal",
    "Immunization",
    "Medication",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Patient",
    "Practitioner",
    "Procedure",
    "QuestionnaireResponse",
)
# SMART App Launch v2 scope: context/Resource.permissions, permissions in "cruds" order.
SCOPE = re.compile(r"^patient/(?P<type>[A-Za-z]+)\.(?P<perm>c?r?u?d?s?)$")


def check_scope(scope: str) -> str | None:
    """An error message if ``scope`` is not a SMART v2 patient scope we accept."""
    match = SCOPE.match(scope)
    if not match or not match.group("perm"):
        return _(
            "Saisissez une portée SMART v2, par exemple patient/Observation.rs "
            "(c = créer, r = lire, u = modifier, d = supprimer, s = rechercher)."
        )
    if match.group("type") not in RESOURCE_TYPES:
        return _("Type de ressource FHIR non pris en charge : %(type)s.", type=match["type"])
    return None


# --- queries -------------------------------------------------------------------------


def get_dossier(dossier_id: int) -> Dossier | None:
    """A dossier with its criteria, answers, evidence and evaluations loaded in a few
    queries (pages show all of them)."""
    return db.session.get(
        Dossier,
        dossier_id,
        options=[
            selectinload(Dossier.referential_version).selectinload(ReferentialVersion.criteria),
            selectinload(Dossier.answers).selectinload(CriterionAnswer.evidence),
            selectinload(Dossier.evaluations),
            selectinload(Dossier.evaluators),
            selectinload(Dossier.independent_evaluations),
            selectinload(Dossier.transitions),
        ],
    )


def dossiers_of_organisations(organisation_ids: list[int]) -> list[Dossier]:
    service_ids = service_ids_of_organisations(organisation_ids)
    if not service_ids:
        return []
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.service_id.in_(service_ids))
            .order_by(Dossier.created_at.desc(), Dossier.id.desc())
        )
    )


def dossiers_in(states: list[DossierState] | None = None) -> list[Dossier]:
    query = select(Dossier).order_by(Dossier.updated_at.desc(), Dossier.id.desc())
    if states:
        query = query.where(Dossier.state.in_(states))
    return list(db.session.scalars(query))


def latest_dossier_of(service: Service) -> Dossier | None:
    """The service's most recent dossier, whatever its state."""
    return db.session.scalar(
        select(Dossier).where(Dossier.service_id == service.id).order_by(Dossier.id.desc())
    )


def dossiers_of_service(service_id: int) -> list[Dossier]:
    """Every dossier of one service, oldest first."""
    return list(
        db.session.scalars(
            select(Dossier).where(Dossier.service_id == service_id).order_by(Dossier.id)
        )
    )


def open_dossier_of(service: Service) -> Dossier | None:
    return db.session.scalar(
        select(Dossier).where(Dossier.service_id == service.id, Dossier.state.not_in(FINAL_STATES))
    )


def referencing_step(service: Service) -> tuple[str, str]:
    """``(label, url)`` of the editor's next step towards referencing ``service``: its open
    dossier if it has one, else the page that opens one (what the editor portal's
    ``catalogue.editor.services.REFERENCING_STEP`` asks for)."""
    dossier = open_dossier_of(service)
    if dossier is None:
        return (
            _("Déposer un dossier de référencement"),
            url_for("editor_dossiers.index", service_id=service.id),
        )
    if dossier.state in EDITABLE_STATES:
        label = _("Compléter le dossier de référencement")
    else:
        label = _("Suivre le dossier de référencement")
    return label, url_for("editor_dossiers.show", dossier_id=dossier.id)


def declared_scopes(service: Service) -> list[str]:
    """The scopes of the data uses declared in the service's latest dossier (what the
    editor portal's ``catalogue.editor.services.DECLARED_SCOPES`` asks for)."""
    dossier = latest_dossier_of(service)
    return [request.scope for request in dossier.data_requests] if dossier else []


def criteria_of(dossier: Dossier) -> list[Criterion]:
    return list(dossier.referential_version.criteria) if dossier.referential_version else []


def answers_by_criterion(dossier: Dossier) -> dict[int, CriterionAnswer]:
    return {a.criterion_id: a for a in dossier.answers}


def evaluations_by_criterion(dossier: Dossier) -> dict[int, CriterionEvaluation]:
    return {e.criterion_id: e for e in dossier.evaluations}


def find_attachment(dossier: Dossier, attachment_id: int) -> InformationAttachment | None:
    item = db.session.get(InformationAttachment, attachment_id)
    if item is None or item.request.dossier_id != dossier.id:
        return None
    return item


def find_evidence(dossier: Dossier, evidence_id: int) -> Evidence | None:
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.answer.dossier_id != dossier.id:
        return None
    return item


def open_information_request(dossier: Dossier) -> InformationRequest | None:
    return next((r for r in dossier.information_requests if r.is_open), None)


def requested_data_uses(dossier: Dossier) -> list[tuple[str, DataPurpose, int]]:
    """The data uses the dossier asks for: ``(scope, purpose, retention_days)``."""
    return sorted((r.scope, r.purpose, r.retention_days) for r in dossier.data_requests)


@dataclass(frozen=True)
class DataUseCheck:
    """One requested data use read against what the referencing rules allow."""

    request: DataRequest
    problems: tuple[str, ...]
    served_by_api: bool  # the ENS FHIR API grants this exact scope today


def data_use_checks(dossier: Dossier) -> list[DataUseCheck]:
    """Each requested data use against the rules: a SMART v2 patient scope of a supported
    FHIR type, one of the four purposes (by construction), a retention of at most
    :data:`MAX_RETENTION_DAYS` days, and a written justification (criterion SEC-08 asks
    every scope to be justified by its purpose)."""
    checks = []
    for request in dossier.data_requests:
        problems = []
        scope_problem = check_scope(request.scope)
        if scope_problem:
            problems.append(scope_problem)
        if not 1 <= request.retention_days <= MAX_RETENTION_DAYS:
            problems.append(
                _("Durée de conservation au-delà du plafond de %(n)s jours.", n=MAX_RETENTION_DAYS)
            )
        if not request.justification.strip():
            problems.append(_("Aucune justification écrite de la finalité."))
        checks.append(DataUseCheck(request, tuple(problems), request.scope in ALL_SCOPES))
    return checks


def review_clock_days(dossier: Dossier, today: date | None = None) -> int | None:
    """Days of review since submission, excluding the days spent waiting for the editor
    (the clock is paused during an information request)."""
    if dossier.submitted_at is None:
        return None
    today = today or date.today()
    elapsed = (today - dossier.submitted_at.date()).days
    paused = dossier.paused_days
    waiting = open_information_request(dossier)
    if waiting is not None:
        paused += max(0, (today - waiting.asked_at.date()).days)
    return max(0, elapsed - paused)


# --- editor actions -------------------------------------------------------------------


def open_dossier(editor, service: Service, *, version=None) -> Dossier:
    """Open a draft dossier for ``service`` against ``version`` (default: the version in
    force today), pinned for the dossier's whole life."""
    if open_dossier_of(service) is not None:
        raise DossierError(_("Ce service a déjà un dossier en cours."))
    version = version or current_version()
    if version is None:
        raise DossierError(_("Aucune version du référentiel n'est en vigueur."))
    dossier = Dossier(
        service_id=service.id, opened_by_id=editor.id, referential_version_id=version.id
    )
    db.session.add(dossier)
    db.session.flush()
    return dossier


def _require_editable(dossier: Dossier) -> None:
    if dossier.state not in EDITABLE_STATES:
        raise DossierError(
            _(
                "Le dossier est « %(state)s » : ses réponses ne peuvent plus être modifiées.",
                state=dossier.state.label,
            )
        )


@dataclass
class AnswerInput:
    answer: Answer | None
    justification: str
    upload: object | None  # werkzeug FileStorage


def save_answers(editor, dossier: Dossier, inputs: dict[str, AnswerInput]) -> dict:
    """Save answers keyed by criterion code. Returns field errors (``{}`` on success);
    on any error nothing is written."""
    _require_editable(dossier)
    criteria = {c.code: c for c in criteria_of(dossier)}
    errors, checked_files = _check_answers(criteria, inputs)
    if errors:
        return errors
    now = utcnow()
    existing = answers_by_criterion(dossier)
    for code, item in inputs.items():
        if item.answer is None:
            continue
        criterion = criteria[code]
        answer = _row_of(criterion, existing, dossier.answers, CriterionAnswer)
        answer.answer = item.answer
        answer.justification = item.justification
        answer.answered_at = now
        answer.answered_by_id = editor.id
        if code in checked_files:
            answer.evidence.append(_stored_evidence(checked_files[code], editor))
    dossier.updated_at = now
    db.session.flush()
    return {}


def _check_answers(criteria: dict, inputs: dict[str, AnswerInput]) -> tuple[dict, dict]:
    """Field errors of the answers, and their evidence files checked (not yet stored)."""
    errors: dict[str, list[str]] = {}
    checked_files = {}
    for code, item in inputs.items():
        criterion = criteria.get(code)
        if criterion is None:
            errors.setdefault("_schema", []).append(_("Critère inconnu : %(code)s.", code=code))
            continue
        if item.answer is None:
            if item.upload is not None or item.justification:
                errors[f"answer-{code}"] = [_("Choisissez une réponse.")]
            continue
        if item.answer is Answer.NOT_APPLICABLE and not criterion.allows_not_applicable:
            errors[f"answer-{code}"] = [_("« Non applicable » n'est pas possible pour ce critère.")]
        if item.upload is not None:
            try:
                checked_files[code] = evidence_files.check_upload(item.upload)
            except evidence_files.EvidenceRejected as error:
                errors[f"evidence-{code}"] = [str(error)]
    return errors, checked_files


def _stored_evidence(checked, editor, model=Evidence):
    """A row of ``model`` (evidence, an information request's attachment) for a checked
    file, written to storage."""
    stored_name, digest = evidence_files.store(checked)
    return model(
        original_name=checked.original_name,
        stored_name=stored_name,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=digest,
        uploaded_by_id=editor.id,
    )


def remove_evidence(editor, dossier: Dossier, evidence_id: int) -> None:
    """Delete one evidence file of a dossier still editable (row and stored file)."""
    _require_editable(dossier)
    item = find_evidence(dossier, evidence_id)
    if item is None:
        raise DossierError(_("Cette pièce n'existe pas."))
    stored = evidence_files.path_of(item.stored_name)
    item.answer.evidence.remove(item)
    db.session.flush()
    stored.unlink(missing_ok=True)


def add_data_request(
    editor,
    dossier: Dossier,
    *,
    scope: str,
    purpose: DataPurpose,
    retention_days: int,
    justification: str = "",
) -> DataRequest:
    _require_editable(dossier)
    problem = check_scope(scope)
    if problem:
        raise DossierError(problem)
    if any(r.scope == scope for r in dossier.data_requests):
        raise DossierError(_("Cette portée est déjà demandée."))
    request = DataRequest(
        scope=scope,
        purpose=DataPurpose(purpose),
        retention_days=retention_days,
        justification=justification,
    )
    dossier.data_requests.append(request)
    db.session.flush()
    return request


def remove_data_request(editor, dossier: Dossier, request_id: int) -> None:
    _require_editable(dossier)
    request = next((r for r in dossier.data_requests if r.id == request_id), None)
    if request is None:
        raise DossierError(_("Cette demande de données n'existe pas."))
    dossier.data_requests.remove(request)
    db.session.flush()


def completeness_problems(dossier: Dossier) -> list[str]:
    """What prevents submission: every criterion answered, at least one data use."""
    problems = []
    answered = answers_by_criterion(dossier)
    missing = [c.code for c in criteria_of(dossier) if c.id not in answered]
    if missing:
        problems.append(
            ngettext(
                "%(num)d critère sans réponse : %(codes)s.",
                "%(num)d critères sans réponse : %(codes)s.",
                len(missing),
                codes=", ".join(missing[:12]) + (" …" if len(missing) > 12 else ""),
            )
        )
    if not dossier.data_requests:
        problems.append(_("Déclarez au moins une donnée demandée (portée, finalité, durée)."))
    return problems


def submit_dossier(editor, dossier: Dossier, comment: str = "") -> None:
    problems = completeness_problems(dossier)
    if dossier.state is S.DRAFT and problems:
        raise DossierError(" ".join(problems))
    transition(dossier, S.SUBMITTED, actor=editor, comment=comment)
    dossier.submitted_at = utcnow()


def withdraw_dossier(editor, dossier: Dossier, comment: str = "") -> None:
    transition(dossier, S.WITHDRAWN, actor=editor, comment=comment)


MAX_ATTACHMENTS = 5


class AttachmentRejected(ValueError):
    """A file attached to an answer is refused (type, size, count)."""


def check_attachments(uploads: list) -> list:
    """Check the files attached to an answer (the evidence rules: PDF or PNG by content,
    10 MB at most each); raises :class:`AttachmentRejected`."""
    uploads = [u for u in uploads if u is not None and u.filename]
    if len(uploads) > MAX_ATTACHMENTS:
        raise AttachmentRejected(
            _("Joignez au plus %(n)s fichiers à une réponse.", n=MAX_ATTACHMENTS)
        )
    checked = []
    for upload in uploads:
        try:
            checked.append(evidence_files.check_upload(upload))
        except evidence_files.EvidenceRejected as error:
            raise AttachmentRejected(f"{upload.filename} : {error}") from None
    return checked


def answer_information_request(editor, dossier: Dossier, answer: str, uploads=()) -> None:
    """The editor answers, with files if any (checked before anything is written): the
    clock restarts (paused days recorded) and the dossier goes back to evaluation."""
    waiting = open_information_request(dossier)
    if dossier.state is not S.INFORMATION_REQUESTED or waiting is None:
        raise DossierError(_("Aucune demande de compléments n'attend de réponse."))
    checked = check_attachments(list(uploads))
    for item in checked:
        waiting.attachments.append(_stored_evidence(item, editor, InformationAttachment))
    now = utcnow()
    transition(dossier, S.UNDER_EVALUATION, actor=editor, comment=_("Réponse aux compléments"))
    waiting.answer = answer
    waiting.answered_at = now
    waiting.answered_by_id = editor.id
    dossier.paused_days += max(0, (now.date() - waiting.asked_at.date()).days)
    db.session.flush()


# --- agent actions --------------------------------------------------------------------


def _notify_editors(dossier: Dossier, kind: str, title: str, body: str = "") -> None:
    """Tell every member of the service's organisation (in-app notification)."""
    for user in editors_of(dossier.service):
        notify(user, kind, title, body, f"/editeur/dossiers/{dossier.id}")


@dataclass(frozen=True)
class Finding:
    code: str  # criterion code, or "" for dossier-wide rules
    message: str


def admissibility_findings(dossier: Dossier) -> list[Finding]:
    """The admissibility rules; an empty list means admissible by the rules.

    - every criterion has an answer;
    - every mandatory criterion is answered "yes" ("not applicable" where the criterion
      allows it);
    - evidence is attached wherever the criterion requires it and the answer is "yes";
    - at least one requested data use is declared.
    """
    findings = []
    answered = answers_by_criterion(dossier)
    for criterion in criteria_of(dossier):
        answer = answered.get(criterion.id)
        if answer is None:
            findings.append(Finding(criterion.code, str(_l("Pas de réponse."))))
            continue
        if criterion.mandatory and answer.answer is Answer.NO:
            findings.append(
                Finding(criterion.code, str(_l("Critère obligatoire non satisfait (« Non »).")))
            )
        if criterion.evidence_required and answer.answer is Answer.YES and not answer.evidence:
            findings.append(Finding(criterion.code, str(_l("Pièce justificative manquante."))))
    if not dossier.data_requests:
        findings.append(Finding("", str(_l("Aucune donnée demandée n'est déclarée."))))
    return findings


def decide_admissibility(agent, dossier: Dossier, *, admissible: bool, comment: str) -> None:
    if admissible and admissibility_findings(dossier):
        raise DossierError(
            _(
                "Les règles de recevabilité ne sont pas satisfaites : le dossier ne peut "
                "pas être déclaré recevable."
            )
        )
    transition(
        dossier, S.ADMISSIBLE if admissible else S.INADMISSIBLE, actor=agent, comment=comment
    )
    _notify_editors(
        dossier,
        "dossier.admissibility",
        _("Dossier %(name)s : %(state)s", name=dossier.service.name, state=dossier.state.label),
        comment,
    )


def start_evaluation(agent, dossier: Dossier, comment: str = "") -> None:
    transition(dossier, S.UNDER_EVALUATION, actor=agent, comment=comment)


def request_information(
    agent, dossier: Dossier, *, questions: str, deadline: date | None = None
) -> InformationRequest:
    today = date.today()
    deadline = deadline or today + timedelta(days=DEFAULT_INFORMATION_DAYS)
    if deadline <= today:
        raise DossierError(_("L'échéance doit être postérieure à aujourd'hui."))
    transition(dossier, S.INFORMATION_REQUESTED, actor=agent, comment=questions)
    request = InformationRequest(questions=questions, deadline=deadline, asked_by_id=agent.id)
    dossier.information_requests.append(request)
    db.session.flush()
    _notify_editors(
        dossier,
        "dossier.information_requested",
        _(
            "Dossier %(name)s : compléments demandés avant le %(date)s",
            name=dossier.service.name,
            date=deadline.strftime("%d/%m/%Y"),
        ),
        questions,
    )
    return request


def close_for_missed_deadline(agent, dossier: Dossier, comment: str = "") -> None:
    waiting = open_information_request(dossier)
    if waiting is None or not waiting.is_overdue():
        raise DossierError(
            _("Le dossier ne peut être clos que si l'échéance des compléments est dépassée.")
        )
    transition(dossier, S.CLOSED, actor=agent, comment=comment)


def save_evaluations(
    agent, dossier: Dossier, verdicts: dict[str, tuple[Verdict | None, str]]
) -> dict:
    """Record verdicts keyed by criterion code; returns field errors (nothing written if
    any). In a double-evaluated area they are the agent's own, blind verdicts
    (``review.dossiers.double``); elsewhere they are the dossier's."""
    double.require_under_evaluation(dossier)
    criteria = {c.code: c for c in criteria_of(dossier)}
    errors: dict[str, list[str]] = {}
    for code, (verdict, comment) in verdicts.items():
        criterion = criteria.get(code)
        if criterion is None:
            errors.setdefault("_schema", []).append(_("Critère inconnu : %(code)s.", code=code))
        elif verdict is Verdict.NOT_APPLICABLE and not criterion.allows_not_applicable:
            errors[f"verdict-{code}"] = [
                _("« Non applicable » n'est pas possible pour ce critère.")
            ]
        elif verdict is None and comment:
            errors[f"verdict-{code}"] = [_("Choisissez un avis.")]
    if errors:
        return errors
    doubled = set(double.double_areas(dossier))
    double.save_independent(
        agent,
        dossier,
        {
            criteria[code]: given
            for code, given in verdicts.items()
            if given[0] is not None and criteria[code].area in doubled
        },
    )
    existing = evaluations_by_criterion(dossier)
    now = utcnow()
    for code, (verdict, comment) in verdicts.items():
        if verdict is None or criteria[code].area in doubled:
            continue
        criterion = criteria[code]
        evaluation = _row_of(criterion, existing, dossier.evaluations, CriterionEvaluation)
        evaluation.verdict = verdict
        evaluation.comment = comment
        evaluation.evaluated_at = now
        evaluation.evaluator_id = agent.id
    dossier.updated_at = now
    db.session.flush()
    return {}


def blocking_criteria(dossier: Dossier) -> list[Criterion]:
    """Mandatory criteria judged non-compliant: they block the end of the evaluation."""
    evaluated = evaluations_by_criterion(dossier)
    return [
        c
        for c in criteria_of(dossier)
        if c.mandatory and c.id in evaluated and evaluated[c.id].verdict is Verdict.NON_COMPLIANT
    ]


def unevaluated_criteria(dossier: Dossier) -> list[Criterion]:
    evaluated = evaluations_by_criterion(dossier)
    return [c for c in criteria_of(dossier) if c.id not in evaluated]


def complete_evaluation(agent, dossier: Dossier, comment: str = "") -> None:
    if dossier.state is S.UNDER_EVALUATION:
        problems = double.completion_problems(dossier)
        if problems:
            raise DossierError(" ".join(problems))
        missing = unevaluated_criteria(dossier)
        if missing:
            raise DossierError(
                ngettext(
                    "%(num)d critère n'est pas encore évalué.",
                    "%(num)d critères ne sont pas encore évalués.",
                    len(missing),
                )
            )
        blocking = blocking_criteria(dossier)
        if blocking:
            raise DossierError(
                _(
                    "Critères obligatoires non conformes, bloquants : %(codes)s. Demandez "
                    "des compléments à l'éditeur ou attendez son retrait.",
                    codes=", ".join(c.code for c in blocking),
                )
            )
    transition(dossier, S.EVALUATED, actor=agent, comment=comment)
    _notify_editors(
        dossier,
        "dossier.evaluated",
        _("Dossier %(name)s évalué : vos scores sont disponibles", name=dossier.service.name),
        comment,
    )


# --- renewal ----------------------------------------------------------------------------


def last_referenced_dossier(service: Service) -> Dossier | None:
    return db.session.scalar(
        select(Dossier)
        .where(Dossier.service_id == service.id, Dossier.state == S.REFERENCED)
        .order_by(Dossier.id.desc())
    )


@dataclass
class RenewalChanges:
    """What a renewal dossier changes against the last referenced dossier of its service:
    answers by criterion code ``(code, before, after)`` (answer labels; a changed
    justification alone shows the same label twice), criteria that are new or gone, data
    uses ``(scope, purpose, retention_days)`` added or removed."""

    previous: Dossier
    answers: list[tuple[str, str, str]]
    new_criteria: list[str]
    gone_criteria: list[str]
    uses_added: list[tuple]
    uses_removed: list[tuple]

    @property
    def empty(self) -> bool:
        return not (
            self.answers
            or self.new_criteria
            or self.gone_criteria
            or self.uses_added
            or self.uses_removed
        )


def renewal_changes(dossier: Dossier) -> RenewalChanges | None:
    """The changes since the service's last referenced dossier, or None when ``dossier``
    is not a renewal (no earlier referenced dossier)."""
    previous = last_referenced_dossier(dossier.service)
    if previous is None or previous.id >= dossier.id:
        return None
    before = {a.criterion.code: a for a in previous.answers}
    after = {a.criterion.code: a for a in dossier.answers}
    codes_before = {c.code for c in criteria_of(previous)}
    codes_after = {c.code for c in criteria_of(dossier)}
    answers = []
    for code in sorted(set(before) & set(after)):
        old, new = before[code], after[code]
        if old.answer is not new.answer or old.justification != new.justification:
            answers.append((code, str(old.answer.label), str(new.answer.label)))
    uses_before, uses_after = set(requested_data_uses(previous)), set(requested_data_uses(dossier))
    return RenewalChanges(
        previous=previous,
        answers=answers,
        new_criteria=sorted(codes_after - codes_before),
        gone_criteria=sorted(codes_before - codes_after),
        uses_added=sorted(uses_after - uses_before),
        uses_removed=sorted(uses_before - uses_after),
    )


def _copy_evidence(item: Evidence, editor) -> Evidence | None:
    """A copy of an evidence file under a new name (the renewal dossier owns its files);
    None when the original file is gone."""
    source = evidence_files.path_of(item.stored_name)
    if not source.is_file():
        return None
    content = source.read_bytes()
    checked = evidence_files.CheckedFile(
        content, item.content_type, source.suffix, item.original_name
    )
    stored_name, digest = evidence_files.store(checked)
    return Evidence(
        original_name=item.original_name,
        stored_name=stored_name,
        content_type=item.content_type,
        size=len(content),
        sha256=digest,
        uploaded_by_id=editor.id,
    )


def open_renewal_dossier(editor, service: Service, *, now=None) -> Dossier:
    """Open the renewal dossier of a referenced service against the referential version in
    force today, pre-filled from its last referenced dossier: answers (and their evidence)
    to the criteria that keep the same code, data requests and journey measurements; new
    criteria stay blank for the editor. Opens the renewal request if needed and marks it
    filed with this dossier. Idempotent while that dossier is open."""
    now = now or utcnow()
    try:
        request = renewal.open_renewal_request(editor, service, now=now)
    except renewal.RenewalError as error:
        raise DossierError(str(error)) from error
    current = open_dossier_of(service)
    if current is not None:
        if request.dossier_id == current.id:
            return current
        raise DossierError(_("Ce service a déjà un dossier en cours."))
    previous = (
        db.session.get(Dossier, request.previous_dossier_id)
        if request.previous_dossier_id
        else last_referenced_dossier(service)
    )
    dossier = open_dossier(editor, service)
    if previous is not None:
        _copy_answers(previous, dossier, editor, now)
        _copy_data_requests(previous, dossier)
        _copy_journey(previous, dossier, editor, now)
    renewal.mark_renewal_filed(request, dossier.id)
    record_event(
        editor,
        "dossier.renewal_opened",
        "dossier",
        dossier.id,
        service=service.id,
        previous=previous.id if previous else None,
    )
    db.session.flush()
    return dossier


def _copy_answers(previous: Dossier, dossier: Dossier, editor, now) -> None:
    """The previous answers (with a copy of their evidence) to the criteria that keep their
    code and still accept that answer; the others are left for the editor."""
    criteria = {c.code: c for c in criteria_of(dossier)}
    for old in previous.answers:
        criterion = criteria.get(old.criterion.code)
        if criterion is None:
            continue  # the criterion left the referential
        if old.answer is Answer.NOT_APPLICABLE and not criterion.allows_not_applicable:
            continue  # no longer a valid answer: the editor answers again
        answer = CriterionAnswer(
            criterion_id=criterion.id,
            answer=old.answer,
            justification=old.justification,
            answered_at=now,
            answered_by_id=editor.id,
        )
        for item in old.evidence:
            copy = _copy_evidence(item, editor)
            if copy is not None:
                answer.evidence.append(copy)
        dossier.answers.append(answer)


def _copy_data_requests(previous: Dossier, dossier: Dossier) -> None:
    for old in previous.data_requests:
        dossier.data_requests.append(
            DataRequest(
                scope=old.scope,
                purpose=old.purpose,
                retention_days=old.retention_days,
                justification=old.justification,
            )
        )


def _copy_journey(previous: Dossier, dossier: Dossier, editor, now) -> None:
    measurement = db.session.scalar(
        select(JourneyMeasurement).where(JourneyMeasurement.dossier_id == previous.id)
    )
    if measurement is not None:
        db.session.add(
            JourneyMeasurement(
                dossier_id=dossier.id,
                steps=list(measurement.steps),
                measured_on=measurement.measured_on,
                submitted_at=now,
                submitted_by_id=editor.id,
            )
        )


def _row_of(criterion, existing: dict, rows: list, model):
    """The dossier's answer or evaluation row for ``criterion`` (``existing`` maps criterion
    ids to rows); a new one is appended to the dossier's ``rows`` if there is none yet."""
    row = existing.get(criterion.id)
    if row is None:
        row = model(criterion_id=criterion.id)
        rows.append(row)
    return row
