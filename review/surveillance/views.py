"""Surveillance pages: complaints, audits, sanctions and change reviews (agents);
sanction answers, change declarations and renewals (editors)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalogue import listing_changes
from catalogue.models import ListingChangeState, Service
from catalogue.policies import can_manage_service
from catalogue.services import (
    get_service,
    get_service_by_slug,
    published_services,
    services_by_ids,
)
from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal, requires
from ens_core.db import db, utcnow
from ens_core.forms import (
    InvalidForm,
    field_error,
    form_page,
    refusals_flashed,
    refusals_shown_on,
    saved,
    validated,
)
from review.dossiers.services import DossierError, open_renewal_dossier
from review.sovereignty.views import editor_bp as compliance_bp
from review.surveillance import services
from review.surveillance.models import (
    Audit,
    ChangeDeclaration,
    ChangeKind,
    ChangeState,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintState,
    Sanction,
    SanctionKind,
    SanctionState,
)
from review.surveillance.schemas import (
    AuditSchema,
    ChangeReviewSchema,
    ChangeSchema,
    ComplaintSchema,
    FindingsSchema,
    OpinionSchema,
    SanctionAnswerSchema,
    SanctionDecisionSchema,
    SanctionIntentSchema,
    TriageSchema,
)

agent_bp = Blueprint("surveillance", __name__, url_prefix="/agent/surveillance")
# The editor's compliance pages (/editeur/conformite) are one blueprint, sovereignty's
# (``compliance_bp``): deletion orders come from there, sanctions, changes and renewals
# from here.


def _get(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _shown_on(page, obj, field: str | None = None):
    """A refusal of the surveillance services, shown on ``page`` of ``obj``."""
    return refusals_shown_on(partial(page, obj), services.SurveillanceError, field=field)


def _services_by_id(ids):
    return services_by_ids(ids)


# --------------------------------------------------------------------------- agents


@agent_bp.route("")
@requires(can_use_agent_portal)
def home():
    complaints = list(db.session.scalars(db.select(Complaint).order_by(Complaint.id.desc())))
    audits = list(db.session.scalars(db.select(Audit).order_by(Audit.deadline)))
    sanctions = list(db.session.scalars(db.select(Sanction).order_by(Sanction.id.desc())))
    pending = services.changes(state=ChangeState.PENDING) + services.changes(
        state=ChangeState.AWAITING_OPINION
    )
    ids = [x.service_id for x in [*complaints, *audits, *sanctions, *pending]]
    return render_template(
        "review/surveillance/agent_home.html",
        complaints=complaints,
        audits=audits,
        sanctions=sanctions,
        changes=pending,
        listing_changes=listing_changes.pending_listing_changes(),
        services_by_id=_services_by_id(ids),
        today=utcnow().date(),
    )


def _complaint_form(errors=None):
    listed = published_services()
    return render_template(
        "review/surveillance/complaint_new.html",
        errors=errors or {},
        values=request.form.to_dict(),
        categories=list(ComplaintCategory),
        services_list=list(listed),
    )


def _attachments() -> list[tuple[str, bytes]]:
    return [
        (f.filename, f.read(services.ATTACHMENT_MAX_BYTES + 1))
        for f in request.files.getlist("attachments")
        if f and f.filename
    ]


@agent_bp.route("/plaintes/nouvelle", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def complaint_new():
    with form_page(_complaint_form, services.SurveillanceError, field="attachments"):
        data = validated(ComplaintSchema())
        service = get_service_by_slug(data["service"])
        if service is None:
            raise InvalidForm(field_error("service", _("Service inconnu.")))
        complaint = services.file_complaint(
            current_user,
            service,
            category=ComplaintCategory(data["category"]),
            description=data["description"],
            attachments=_attachments(),
            now=utcnow(),
        )
    return saved(
        _("Plainte enregistrée."), url_for("surveillance.complaint", complaint_id=complaint.id)
    )


def _complaint_page(complaint, errors=None, status=200):
    audits = list(db.session.scalars(db.select(Audit).where(Audit.complaint_id == complaint.id)))
    return render_template(
        "review/surveillance/complaint.html",
        complaint=complaint,
        service=get_service(complaint.service_id),
        audits=audits,
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
        ComplaintState=ComplaintState,
    ), status


@agent_bp.route("/plaintes/<int:complaint_id>")
@requires(can_use_agent_portal)
def complaint(complaint_id: int):
    return _complaint_page(_get(Complaint, complaint_id))


@agent_bp.route("/plaintes/<int:complaint_id>/tri", methods=["POST"])
@requires(can_use_agent_portal)
def complaint_triage(complaint_id: int):
    complaint = _get(Complaint, complaint_id)
    with _shown_on(_complaint_page, complaint, "state"):
        data = validated(TriageSchema())
        state = ComplaintState(data["state"])
        services.triage_complaint(current_user, complaint, state=state, note=data["note"])
    return saved(_("Tri enregistré."), url_for(".complaint", complaint_id=complaint.id))


@agent_bp.route("/plaintes/<int:complaint_id>/audit", methods=["POST"])
@requires(can_use_agent_portal)
def complaint_audit(complaint_id: int):
    complaint = _get(Complaint, complaint_id)
    with _shown_on(_complaint_page, complaint, "deadline"):
        data = validated(AuditSchema())
        service = get_service(complaint.service_id)
        services.open_audit(current_user, service, complaint=complaint, now=utcnow(), **data)
    return saved(_("Audit ouvert."), url_for(".complaint", complaint_id=complaint.id))


@agent_bp.route("/plaintes/<int:complaint_id>/pieces/<int:attachment_id>")
@requires(can_use_agent_portal)
def complaint_attachment(complaint_id: int, attachment_id: int):
    attachment = _get(ComplaintAttachment, attachment_id)
    if attachment.complaint_id != complaint_id:
        abort(404)
    path = services.attachment_file(attachment)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


@agent_bp.route("/audits/<int:audit_id>", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def audit(audit_id: int):
    audit = _get(Audit, audit_id)
    with form_page(partial(_audit_page, audit), services.SurveillanceError, field="findings"):
        findings = validated(FindingsSchema())["findings"]
        services.close_audit(current_user, audit, findings=findings, now=utcnow())
    return saved(_("Audit clos."), url_for("surveillance.audit", audit_id=audit.id))


def _audit_page(audit, errors=None):
    return render_template(
        "review/surveillance/audit.html",
        audit=audit,
        service=get_service(audit.service_id),
        errors=errors or {},
    )


@agent_bp.route("/services/<int:service_id>/sanction", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def sanction_new(service_id: int):
    service = get_service(service_id)
    if service is None:
        abort(404)
    page = partial(_sanction_intent_page, service)
    with form_page(page, services.SurveillanceError, field="grounds"):
        data = validated(SanctionIntentSchema())
        proposed = SanctionKind(data["proposed"])
        sanction = services.notify_sanction_intent(
            current_user, service, grounds=data["grounds"], proposed=proposed, now=utcnow()
        )
    return saved(
        _("Intention de sanction notifiée à l'éditeur."),
        url_for("surveillance.sanction", sanction_id=sanction.id),
    )


def _sanction_intent_page(service, errors=None):
    return render_template(
        "review/surveillance/sanction_new.html",
        service=service,
        errors=errors or {},
        values=request.form.to_dict(),
        kinds=list(SanctionKind),
    )


def _sanction_page(sanction, errors=None, status=200):
    return render_template(
        "review/surveillance/sanction_agent.html",
        sanction=sanction,
        service=get_service(sanction.service_id),
        errors=errors or {},
        values=request.form.to_dict() if request.method == "POST" else {},
        kinds=list(SanctionKind),
        SanctionState=SanctionState,
        SanctionKind=SanctionKind,
        today=utcnow().date(),
    ), status


def _sanction_decided(sanction, message: str):
    return saved(message, url_for("surveillance.sanction", sanction_id=sanction.id))


@agent_bp.route("/sanctions/<int:sanction_id>")
@requires(can_use_agent_portal)
def sanction(sanction_id: int):
    return _sanction_page(_get(Sanction, sanction_id))


@agent_bp.route("/sanctions/<int:sanction_id>/decision", methods=["POST"])
@requires(can_use_agent_portal)
def sanction_decide(sanction_id: int):
    sanction = _get(Sanction, sanction_id)
    with _shown_on(_sanction_page, sanction):
        data = validated(SanctionDecisionSchema())
        services.decide_sanction(
            current_user,
            sanction,
            kind=SanctionKind(data["kind"]),
            text=data["text"],
            suspended_until=data.get("suspended_until"),
            until_condition=(data.get("until_condition") or "").strip() or None,
            now=utcnow(),
        )
    return _sanction_decided(sanction, _("Décision enregistrée."))


@agent_bp.route("/sanctions/<int:sanction_id>/levee", methods=["POST"])
@requires(can_use_agent_portal)
def sanction_lift(sanction_id: int):
    sanction = _get(Sanction, sanction_id)
    with _shown_on(_sanction_page, sanction, "kind"):
        services.lift_sanction(current_user, sanction, now=utcnow())
    return _sanction_decided(sanction, _("Suspension levée."))


def _change_page(change, errors=None, status=200):
    return render_template(
        "review/surveillance/change_agent.html",
        change=change,
        service=get_service(change.service_id),
        errors=errors or {},
        ChangeState=ChangeState,
    ), status


@agent_bp.route("/changements/<int:change_id>")
@requires(can_use_agent_portal)
def change(change_id: int):
    return _change_page(_get(ChangeDeclaration, change_id))


@agent_bp.route("/changements/<int:change_id>/examen", methods=["POST"])
@requires(can_use_agent_portal)
def change_review(change_id: int):
    change = _get(ChangeDeclaration, change_id)
    with _shown_on(_change_page, change, "decision"):
        data = validated(ChangeReviewSchema())
        accept = data["decision"] == "accept"
        services.review_change(
            current_user, change, accept=accept, comment=data["comment"], now=utcnow()
        )
    return saved(_("Examen enregistré."), url_for(".change", change_id=change.id))


@agent_bp.route("/changements/<int:change_id>/avis", methods=["POST"])
@requires(can_use_agent_portal)
def change_opinion(change_id: int):
    change = _get(ChangeDeclaration, change_id)
    with _shown_on(_change_page, change, "favourable"):
        favourable = validated(OpinionSchema())["favourable"] == "yes"
        services.record_commission_opinion(
            current_user, change, favourable=favourable, now=utcnow()
        )
    return saved(_("Avis de la commission enregistré."), url_for(".change", change_id=change.id))


def _listing_change_or_404(change_id: int):
    change = listing_changes.get_listing_change(change_id)
    if change is None:
        abort(404)
    return change


def _listing_change_page(change, errors=None, status=200):
    return render_template(
        "review/surveillance/listing_change.html",
        change=change,
        diff=listing_changes.listing_diff(change),
        errors=errors or {},
        ListingChangeState=ListingChangeState,
    ), status


@agent_bp.route("/fiches/<int:change_id>")
@requires(can_use_agent_portal)
def listing_change(change_id: int):
    return _listing_change_page(_listing_change_or_404(change_id))


@agent_bp.route("/fiches/<int:change_id>/examen", methods=["POST"])
@requires(can_use_agent_portal)
def listing_change_review(change_id: int):
    change = _listing_change_or_404(change_id)
    page = partial(_listing_change_page, change)
    with refusals_shown_on(page, listing_changes.ListingChangeError):
        data = validated(ChangeReviewSchema())
        if data["decision"] == "accept":
            listing_changes.accept_listing_change(current_user, change, now=utcnow())
        else:
            listing_changes.reject_listing_change(
                current_user, change, reason=data["comment"], now=utcnow()
            )
    return saved(_("Examen enregistré."), url_for(".listing_change", change_id=change.id))


# --------------------------------------------------------------------------- editors


def _managed_service(service_id: int) -> Service:
    service = get_service(service_id)
    if service is None or not can_manage_service(current_user, service):
        abort(404)
    return service


def _managed_sanction(sanction_id: int) -> tuple[Sanction, Service]:
    sanction = _get(Sanction, sanction_id)
    return sanction, _managed_service(sanction.service_id)


@compliance_bp.route("/sanctions/<int:sanction_id>", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def sanction_editor(sanction_id: int):
    sanction, service = _managed_sanction(sanction_id)
    page = partial(_sanction_editor_page, sanction, service)
    with form_page(page, services.SurveillanceError, field="answer"):
        answer = validated(SanctionAnswerSchema())["answer"]
        services.answer_sanction(current_user, sanction, answer=answer, now=utcnow())
    return saved(
        _("Vos observations sont transmises."),
        url_for("compliance.sanction_editor", sanction_id=sanction.id),
    )


def _sanction_editor_page(sanction, service, errors=None):
    return render_template(
        "review/surveillance/sanction_editor.html",
        sanction=sanction,
        service=service,
        errors=errors or {},
        values=request.form.to_dict(),
        SanctionState=SanctionState,
        today=utcnow().date(),
    )


@compliance_bp.route("/services/<int:service_id>/changements", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def change_new(service_id: int):
    service = _managed_service(service_id)
    with form_page(partial(_change_form, service)):
        data = validated(ChangeSchema())
        kind = ChangeKind(data["kind"])
        change = services.declare_change(
            current_user, service, kind=kind, payload=_payload(kind, data), now=utcnow()
        )
    return saved(
        _("Changement enregistré.")
        if change.state is ChangeState.ACCEPTED
        else _("Changement déclaré : il prendra effet après examen par un agent."),
        url_for("compliance.home"),
    )


def _change_form(service, errors=None):
    return render_template(
        "review/surveillance/change_new.html",
        service=service,
        errors=errors or {},
        values=request.form.to_dict(),
        kinds=list(ChangeKind),
    )


def _payload(kind: ChangeKind, data: dict) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    if kind is ChangeKind.VERSION:
        return {"version": data["version"], "notes": data["notes"]}
    if kind is ChangeKind.HOSTING:
        return {
            "provider": data["provider"],
            "country": data["country"].upper(),
            "hds_certificate_number": data["hds_certificate_number"],
            "hds_certificate_expiry": iso(data["hds_certificate_expiry"]),
            "effective_from": iso(data["effective_from"]),
        }
    if kind is ChangeKind.OWNERSHIP:
        return {
            "entity_name": data["entity_name"],
            "country": data["country"].upper(),
            "share_percent": data["share_percent"],
            "declared_control": data["declared_control"],
            "effective_from": iso(data["effective_from"]),
        }
    return {"scopes": sorted(set(data["scopes"].split()))}


@compliance_bp.route("/services/<int:service_id>/renouvellement", methods=["POST"])
@requires(can_use_editor_portal)
def renewal_open(service_id: int):
    service = _managed_service(service_id)
    with refusals_flashed(url_for("compliance.home"), DossierError):
        dossier = open_renewal_dossier(current_user, service, now=utcnow())
    return saved(
        _(
            "Dossier de renouvellement ouvert selon le référentiel %(v)s, pré-rempli avec votre "
            "dernier dossier : vérifiez et complétez-le avant de le déposer.",
            v=dossier.referential_version.version,
        ),
        url_for("editor_dossiers.show", dossier_id=dossier.id),
    )
