"""Surveillance services: complaints and audits, sanctions with a contradictory
procedure, change declarations. Acting user explicit; flush, never commit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from catalogue.models import (
    Service,
    ServiceEventKind,
    ServiceStatus,
)
from catalogue.services import (
    get_service,
    replace_hosting,
    replace_owner,
    set_service_status,
)
from ens_core import uploads
from ens_core.accounts.services import get_user
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from review.sovereignty import services as sovereignty
from review.surveillance.models import (
    Audit,
    AuditState,
    ChangeDeclaration,
    ChangeKind,
    ChangeState,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintSource,
    ComplaintState,
    Sanction,
    SanctionKind,
    SanctionState,
)

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_FOLDER = "complaint_attachments"


class SurveillanceError(ValueError):
    """A request the procedure refuses (the message is shown to the user)."""


# --------------------------------------------------------------------------- complaints


def _store_attachment(filename: str, content: bytes) -> ComplaintAttachment:
    if len(content) > ATTACHMENT_MAX_BYTES:
        raise SurveillanceError(_("Le fichier dépasse 10 Mo."))
    kind = uploads.sniff(content)  # by content, never by name: PDF, PNG or JPEG
    if kind is None:
        raise SurveillanceError(
            _("Pièce jointe refusée : seuls les PDF, PNG et JPEG sont acceptés.")
        )
    stored = uploads.store(ATTACHMENT_FOLDER, content, kind)
    return ComplaintAttachment(
        filename=Path(filename or "piece-jointe").name[:200],
        stored_name=stored.name,
        content_type=kind,
        size=stored.size,
        sha256=stored.sha256,
    )


def attachment_file(attachment: ComplaintAttachment) -> Path:
    return uploads.path_of(ATTACHMENT_FOLDER, attachment.stored_name)


def file_complaint(
    reporter,
    service: Service,
    *,
    category: ComplaintCategory,
    description: str,
    source: ComplaintSource = ComplaintSource.AGENT,
    attachments=(),
    abuse_report_id: int | None = None,
    now: datetime,
) -> Complaint:
    """Record a complaint (agent-filed, or imported from a citizen's report)."""
    complaint = Complaint(
        service_id=service.id,
        source=source,
        reporter_id=getattr(reporter, "id", None),
        abuse_report_id=abuse_report_id,
        category=category,
        description=description.strip(),
        created_at=now,
    )
    for filename, content in attachments:
        complaint.attachments.append(_store_attachment(filename, content))
    db.session.add(complaint)
    db.session.flush()
    record_event(reporter, "surveillance.complaint", "complaint", complaint.id, service=service.id)
    return complaint


def import_abuse_report(
    report_id: int,
    *,
    service: Service,
    citizen,
    category: str,
    description: str,
    attachments=(),
    now: datetime,
) -> Complaint:
    """Turn a citizen's "signaler un abus" report into a complaint to triage (idempotent:
    the same report is imported once). Unknown categories become "other"."""
    existing = db.session.scalar(select(Complaint).where(Complaint.abuse_report_id == report_id))
    if existing is not None:
        return existing
    try:
        cat = ComplaintCategory(category)
    except ValueError:
        cat = ComplaintCategory.OTHER
    return file_complaint(
        citizen,
        service,
        category=cat,
        description=description,
        source=ComplaintSource.CITIZEN,
        attachments=attachments,
        abuse_report_id=report_id,
        now=now,
    )


# A citizen's report category (health space) -> the surveillance complaint category.
ABUSE_CATEGORY_MAP = {
    "data_misuse": ComplaintCategory.DATA_MISUSE,
    "unexpected_access": ComplaintCategory.DATA_MISUSE,
    "advertising": ComplaintCategory.DATA_MISUSE,
    "misleading": ComplaintCategory.MISLEADING,
    "security": ComplaintCategory.SECURITY,
    "other": ComplaintCategory.OTHER,
}


def on_abuse_report(sender, *, report, **extra) -> Complaint:
    """``abuse_reported`` receiver: every citizen report becomes a complaint to triage, in
    the same transaction."""
    category = str(getattr(report.category, "value", report.category))
    service = get_service(report.service_id)
    citizen = get_user(report.reporter_id)
    return import_abuse_report(
        report.id,
        service=service,
        citizen=citizen,
        category=ABUSE_CATEGORY_MAP.get(category, ComplaintCategory.OTHER).value,
        description=report.description,
        now=report.created_at or utcnow(),
    )


def triage_complaint(agent, complaint: Complaint, *, state: ComplaintState, note: str) -> None:
    if complaint.state is not ComplaintState.NEW and state is not ComplaintState.CLOSED:
        raise SurveillanceError(_("Cette plainte a déjà été triée."))
    complaint.state = state
    complaint.triage_note = note
    complaint.triaged_by_id = agent.id
    record_event(agent, "surveillance.triage", "complaint", complaint.id, state=str(state))
    db.session.flush()


def open_audit(
    agent, service: Service, *, scope: str, auditor: str, deadline: date, complaint=None, now
) -> Audit:
    if deadline < now.date():
        raise SurveillanceError(_("L'échéance doit être dans le futur."))
    audit = Audit(
        service_id=service.id,
        complaint_id=complaint.id if complaint else None,
        scope=scope,
        auditor=auditor,
        deadline=deadline,
        opened_by_id=agent.id,
        opened_at=now,
    )
    db.session.add(audit)
    if complaint is not None:
        complaint.state = ComplaintState.AUDIT
        complaint.triaged_by_id = agent.id
    db.session.flush()
    record_event(agent, "surveillance.audit_opened", "audit", audit.id, service=service.id)
    return audit


def close_audit(agent, audit: Audit, *, findings: str, now) -> None:
    if audit.state is AuditState.CLOSED:
        raise SurveillanceError(_("Cet audit est déjà clos."))
    audit.findings = findings
    audit.state = AuditState.CLOSED
    audit.closed_at = now
    if audit.complaint_id:
        db.session.get(Complaint, audit.complaint_id).state = ComplaintState.CLOSED
    record_event(agent, "surveillance.audit_closed", "audit", audit.id)
    db.session.flush()


# --------------------------------------------------------------------------- sanctions


def notify_sanction_intent(
    agent, service: Service, *, grounds: str, proposed: SanctionKind, now, audit=None
) -> Sanction:
    """Open the contradictory procedure: the editor may answer before the deadline."""
    if service.status not in (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED):
        raise SurveillanceError(_("Seul un service référencé ou suspendu peut être sanctionné."))
    days = int(current_app.config.get("ENS_SANCTION_ANSWER_DAYS", 15))
    sanction = Sanction(
        service_id=service.id,
        audit_id=audit.id if audit else None,
        grounds=grounds,
        proposed_kind=proposed,
        answer_deadline=now.date() + timedelta(days=days),
        notified_by_id=agent.id,
        notified_at=now,
    )
    db.session.add(sanction)
    db.session.flush()
    record_event(agent, "surveillance.sanction_intent", "sanction", sanction.id)
    sovereignty.notify_editors(
        service,
        "surveillance.sanction_intent",
        _("Procédure de sanction envisagée pour %(service)s", service=service.name),
        _(
            "Vous pouvez présenter vos observations jusqu'au %(deadline)s.",
            deadline=sanction.answer_deadline.strftime("%d/%m/%Y"),
        ),
        f"/editeur/conformite/sanctions/{sanction.id}",
    )
    return sanction


def answer_sanction(editor, sanction: Sanction, *, answer: str, now) -> None:
    if sanction.state is not SanctionState.INTENT:
        raise SurveillanceError(_("La procédure n'attend plus de réponse."))
    if now.date() > sanction.answer_deadline:
        raise SurveillanceError(_("Le délai de réponse est expiré."))
    sanction.editor_answer = answer
    sanction.answered_by_id = editor.id
    sanction.answered_at = now
    sanction.state = SanctionState.ANSWERED
    record_event(editor, "surveillance.sanction_answer", "sanction", sanction.id)
    db.session.flush()


def decide_sanction(
    agent,
    sanction: Sanction,
    *,
    kind: SanctionKind,
    text: str,
    now,
    suspended_until: date | None = None,
    until_condition: str | None = None,
) -> None:
    """The agent's decision, after the answer or once the answer deadline has passed."""
    _check_decidable(sanction, kind, now, suspended_until, until_condition)
    service = get_service(sanction.service_id)
    sanction.state = SanctionState.DECIDED
    sanction.decided_kind = kind
    sanction.decision_text = text
    sanction.suspended_until = suspended_until if kind is SanctionKind.SUSPENSION else None
    sanction.until_condition = until_condition if kind is SanctionKind.SUSPENSION else None
    sanction.decided_by_id = agent.id
    sanction.decided_at = now
    details = {"sanction": str(kind), "reason": text}
    if kind is SanctionKind.WARNING:
        summary = _("Avertissement : %(text)s", text=text)
    elif kind is SanctionKind.SUSPENSION:
        end = (
            suspended_until.strftime("%d/%m/%Y")
            if suspended_until
            else _("jusqu'à : %(c)s", c=until_condition)
        )
        summary = _("Suspension (fin : %(end)s) : %(text)s", end=end, text=text)
        details["until"] = suspended_until.isoformat() if suspended_until else until_condition
        if service.status is ServiceStatus.REFERENCED:
            set_service_status(service, ServiceStatus.SUSPENDED, actor=agent, reason=summary)
            sovereignty.notify_service_people(
                service,
                "surveillance.suspended",
                _("%(service)s est suspendu", service=service.name),
                summary,
                now=now,
            )
    else:
        summary = _("Déréférencement : %(text)s", text=text)
    sovereignty.record_listing_event(
        service, ServiceEventKind.SANCTION, summary, at=now, details=details
    )
    if kind is SanctionKind.DELISTING:
        sovereignty.delist(service, actor=agent, now=now, reason=summary)
    record_event(agent, "surveillance.sanction_decided", "sanction", sanction.id, kind=str(kind))
    db.session.flush()


def _check_decidable(sanction: Sanction, kind, now, suspended_until, until_condition) -> None:
    """The contradictory procedure is over, and a suspension says when it ends."""
    if sanction.state is SanctionState.INTENT and now.date() <= sanction.answer_deadline:
        raise SurveillanceError(
            _(
                "L'éditeur peut encore répondre jusqu'au %(d)s.",
                d=sanction.answer_deadline.strftime("%d/%m/%Y"),
            )
        )
    if sanction.state not in (SanctionState.INTENT, SanctionState.ANSWERED):
        raise SurveillanceError(_("Cette procédure est déjà close."))
    if kind is SanctionKind.SUSPENSION and not (suspended_until or until_condition):
        raise SurveillanceError(_("Indiquez une date de fin ou une condition de levée."))
    if suspended_until is not None and suspended_until <= now.date():
        raise SurveillanceError(_("La date de fin doit être dans le futur."))


def sanctions_of(service_ids) -> list[Sanction]:
    """The sanction procedures of these services, newest first."""
    return list(
        db.session.scalars(
            select(Sanction)
            .where(Sanction.service_id.in_(list(service_ids)))
            .order_by(Sanction.id.desc())
        )
    )


def has_active_suspension_sanction(service: Service, on: date) -> bool:
    return (
        db.session.scalar(
            select(Sanction.id).where(
                Sanction.service_id == service.id,
                Sanction.state == SanctionState.DECIDED,
                Sanction.decided_kind == SanctionKind.SUSPENSION,
            )
        )
        is not None
    )


def lift_sanction(actor, sanction: Sanction, *, now) -> None:
    """End a suspension (end date reached, or condition met as judged by an agent)."""
    if (
        sanction.state is not SanctionState.DECIDED
        or sanction.decided_kind is not SanctionKind.SUSPENSION
    ):
        raise SurveillanceError(_("Seule une suspension en cours peut être levée."))
    sanction.state = SanctionState.LIFTED
    sanction.lifted_at = now
    db.session.flush()
    service = get_service(sanction.service_id)
    record_event(actor, "surveillance.sanction_lifted", "sanction", sanction.id)
    if (
        service.status is ServiceStatus.SUSPENDED
        and sovereignty.open_case_of(service.id) is None
        and not has_active_suspension_sanction(service, now.date())
    ):
        reason = _("Fin de la suspension : service rétabli.")
        set_service_status(service, ServiceStatus.REFERENCED, actor=actor, reason=reason)
        sovereignty.record_listing_event(
            service, ServiceEventKind.REINSTATED, reason, at=now, details={"reason": reason}
        )
        sovereignty.notify_service_people(
            service,
            "surveillance.reinstated",
            _("%(service)s est rétabli", service=service.name),
            reason,
            now=now,
        )


def sanctions_to_lift(on: date) -> list[Sanction]:
    return list(
        db.session.scalars(
            select(Sanction).where(
                Sanction.state == SanctionState.DECIDED,
                Sanction.decided_kind == SanctionKind.SUSPENSION,
                Sanction.suspended_until.is_not(None),
                Sanction.suspended_until <= on,
            )
        )
    )


# --------------------------------------------------------------------------- changes


def declare_change(editor, service: Service, *, kind: ChangeKind, payload: dict, now):
    """Record a change; a new version takes effect at once, material changes (hosting,
    ownership, new data scopes) wait for an agent, scope increases for the commission."""
    change = ChangeDeclaration(
        service_id=service.id,
        kind=kind,
        payload=payload,
        declared_by_id=editor.id,
        declared_at=now,
        material=kind is not ChangeKind.VERSION,
    )
    if kind is ChangeKind.SCOPES:
        current = {use.scope for use in service.data_uses}
        change.requires_commission_opinion = bool(set(payload.get("scopes", [])) - current)
    if not change.material:
        change.state = ChangeState.ACCEPTED
        change.reviewed_at = now
    db.session.add(change)
    db.session.flush()
    record_event(editor, "surveillance.change_declared", "change", change.id, kind=str(kind))
    return change


def review_change(agent, change: ChangeDeclaration, *, accept: bool, comment: str, now):
    """Accept (the declaration takes effect; sovereignty rules re-evaluated at once) or
    reject. A scope increase accepted by the agent waits for a commission opinion."""
    if change.state is not ChangeState.PENDING:
        raise SurveillanceError(_("Cette déclaration a déjà été examinée."))
    change.reviewed_by_id = agent.id
    change.reviewed_at = now
    change.review_comment = comment
    if not accept:
        change.state = ChangeState.REJECTED
    elif change.requires_commission_opinion:
        change.state = ChangeState.AWAITING_OPINION
    else:
        change.state = ChangeState.ACCEPTED
        _apply_change(agent, change, now)
    record_event(
        agent, "surveillance.change_reviewed", "change", change.id, state=str(change.state)
    )
    db.session.flush()


def record_commission_opinion(agent, change: ChangeDeclaration, *, favourable: bool, now):
    """Hook for the commission module: the opinion on a scope increase."""
    if change.state is not ChangeState.AWAITING_OPINION:
        raise SurveillanceError(_("Aucun avis attendu pour cette déclaration."))
    change.state = ChangeState.ACCEPTED if favourable else ChangeState.REJECTED
    record_event(agent, "surveillance.change_opinion", "change", change.id, favourable=favourable)
    db.session.flush()


def _date(value, default: date) -> date:
    return date.fromisoformat(value) if value else default


def _apply_change(agent, change: ChangeDeclaration, now) -> None:
    """Record an accepted change in the catalogue, then evaluate the services concerned
    (the agent has checked it: a regularisation may reinstate)."""
    service = get_service(change.service_id)
    p = change.payload
    if change.kind is ChangeKind.HOSTING:
        start = _date(p.get("effective_from"), now.date())
        expiry = p.get("hds_certificate_expiry")
        replace_hosting(
            service,
            effective_from=start,
            declared_by_id=change.declared_by_id,
            provider=p["provider"],
            country=p["country"],
            hds_certificate_number=p.get("hds_certificate_number") or None,
            hds_certificate_expiry=_date(expiry, None) if expiry else None,
        )
        sovereignty.evaluate_and_apply(service, agent, now, agent_checked=True)
    elif change.kind is ChangeKind.OWNERSHIP:
        replace_owner(
            service.organisation,
            entity_name=p["entity_name"],
            effective_from=_date(p.get("effective_from"), now.date()),
            declared_by_id=change.declared_by_id,
            replaces_all=bool(p.get("replaces_all")),
            country=p["country"],
            share_percent=float(p.get("share_percent", 0)),
            declared_control=bool(p.get("declared_control")),
        )
        for other in service.organisation.services:
            sovereignty.evaluate_and_apply(other, agent, now, agent_checked=True)


def changes(*, state: ChangeState | None = None, service_ids=None) -> list[ChangeDeclaration]:
    query = select(ChangeDeclaration).order_by(ChangeDeclaration.declared_at.desc())
    if state is not None:
        query = query.where(ChangeDeclaration.state == state)
    if service_ids is not None:
        query = query.where(ChangeDeclaration.service_id.in_(list(service_ids)))
    return list(db.session.scalars(query))


def last_version_change_at(service_id: int) -> datetime | None:
    """When the service last declared a new version (a sandbox conformance run made
    before it is stale)."""
    return db.session.scalar(
        select(ChangeDeclaration.declared_at)
        .where(
            ChangeDeclaration.service_id == service_id,
            ChangeDeclaration.kind == ChangeKind.VERSION,
            ChangeDeclaration.state != ChangeState.REJECTED,
        )
        .order_by(ChangeDeclaration.declared_at.desc())
        .limit(1)
    )
