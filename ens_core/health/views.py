"""The citizen's dashboard (/espace) and the agents' guardianship page. Views stay thin:
parse -> service -> render; the transaction boundary commits once per request. Pages that
log a guardian's view of the ward's space write even on GET (:func:`writes`)."""

from __future__ import annotations

import operator
from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ens_core.accounts.models import User
from ens_core.accounts.policies import can_use_agent_portal, can_use_health_space, requires
from ens_core.accounts.services import find_user_by_email
from ens_core.boundary import writes
from ens_core.db import db
from ens_core.forms import (
    InvalidForm,
    field_error,
    form_page,
    parse_form,
    refusals_flashed,
    saved,
    validated,
    validated_or_400,
)
from ens_core.health import dashboard, delegation
from ens_core.health import services as health
from ens_core.health.access_log import record_access, verify_chain
from ens_core.health.charts import line_chart
from ens_core.health.datatypes import (
    DOCUMENT_TYPES,
    HIDEABLE_TYPES,
    MEASURES,
    format_value,
    unit_for_people,
)
from ens_core.health.models import (
    ABUSE_LABELS,
    AbuseCategory,
    Document,
    Guardianship,
    GuardianshipKind,
)
from ens_core.health.notifications import notify_expiring_grants
from ens_core.health.schemas import (
    AbuseForm,
    DocumentQuery,
    GuardianshipForm,
    HiddenForm,
    HideTypeForm,
    HistoryQuery,
    PreferencesForm,
    SwitchProfileForm,
)
from ens_core.i18n import local_date
from ens_core.notifications import services as notifications
from ens_core.service_directory import SERVICES

bp = Blueprint("health", __name__, url_prefix="/espace")
agent_bp = Blueprint("health_agent", __name__, url_prefix="/agent/tutelles")

ACTING_KEY = "health_acting_for"


def subject():
    """Whose space is shown: the citizen, or the ward the guardian switched to (checked on
    every request: a guardianship that ended, or a ward turning 18, ends the switch)."""
    ward_id = session.get(ACTING_KEY)
    if ward_id:
        ward = db.session.get(User, ward_id)
        if ward is not None and delegation.can_act_for(current_user, ward):
            return ward
        session.pop(ACTING_KEY, None)
    return current_user._get_current_object()


def _viewer():
    return current_user._get_current_object()


def _context(**extra):
    citizen = subject()
    viewer = _viewer()
    return {
        "citizen": citizen,
        "acting": dashboard.is_guardian_view(viewer, citizen),
        "wards": delegation.wards_of(viewer),
        "unread": notifications.unread_count(viewer),
        **extra,
    }


@bp.route("", endpoint="dashboard")
@writes
@requires(can_use_health_space)
def dashboard_home():
    citizen = subject()
    viewer = _viewer()
    notify_expiring_grants(citizen)
    dashboard.log_delegate_view(citizen, viewer, "Dashboard", request.remote_addr)
    return render_template(
        "ens_core/health/dashboard.html",
        **_context(
            services=dashboard.connected_services(citizen, viewer),
            recent=dashboard.history(citizen, viewer, page_size=RECENT)[0],
            can_hide=delegation.can_hide_from_guardian(citizen)
            and not dashboard.is_guardian_view(viewer, citizen),
        ),
    )


RECENT = 5  # the dashboard's latest accesses


@bp.post("/profil")
@requires(can_use_health_space)
def switch_profile():
    data = validated_or_400(SwitchProfileForm())
    if data["ward"] == "self":
        session.pop(ACTING_KEY, None)
        flash(_("Vous consultez de nouveau votre propre espace."), "info")
        return redirect(url_for("health.dashboard"))
    ward = db.session.get(User, int(data["ward"])) if data["ward"].isdigit() else None
    if ward is None or not delegation.can_act_for(_viewer(), ward):
        abort(403)
    session[ACTING_KEY] = ward.id
    flash(_("Vous agissez maintenant pour %(name)s.", name=ward.name), "info")
    return redirect(url_for("health.dashboard"))


# --- connected services ------------------------------------------------------------------


@bp.get("/services")
@writes
@requires(can_use_health_space)
def services():
    """The one place where a citizen sees and ends the access of her connected services."""
    citizen, viewer = subject(), _viewer()
    dashboard.log_delegate_view(citizen, viewer, "Grant", request.remote_addr)
    return render_template(
        "ens_core/health/services.html",
        **_context(
            services=dashboard.connected_services(citizen, viewer),
            history=dashboard.consent_history(citizen, viewer),
        ),
    )


def _card_or_404(grant_id: int) -> dashboard.ConnectedService:
    card = dashboard.connected_service(subject(), grant_id, _viewer())
    if card is None:
        abort(404)
    return card


@bp.route("/services/<int:grant_id>/arreter", methods=["GET", "POST"])
@requires(can_use_health_space)
def revoke(grant_id):
    """Stop sharing: a confirmation page that says what the service keeps, then the end."""
    card = _card_or_404(grant_id)
    if request.method == "GET":
        return render_template(
            "ens_core/health/revoke_confirm.html",
            **_context(
                card=card,
                kept=dashboard.retention_after_stop(card),
                deletion=dashboard.deletion_request(card.service, subject()),
            ),
        )
    dashboard.stop_sharing(subject(), card.grant, _viewer())
    return saved(
        _(
            "%(service)s n'a plus accès à votre espace santé : il ne peut plus lire ni ajouter"
            " de données.",
            service=card.service.name,
        ),
        url_for("health.services"),
    )


@bp.post("/services/<int:grant_id>/renouveler")
@requires(can_use_health_space)
def renew(grant_id):
    card = _card_or_404(grant_id)
    back = url_for("health.services")
    refused = _("Cet accès ne peut plus être renouvelé : reconnectez le service.")
    with refusals_flashed(back, ValueError, message=refused):
        dashboard.renew(subject(), card.grant, _viewer())
    return saved(
        _("Accès renouvelé jusqu'au %(date)s.", date=local_date(card.grant.expires_at)), back
    )


# --- history -----------------------------------------------------------------------------


@bp.get("/historique")
@writes
@requires(can_use_health_space)
def history():
    citizen, viewer = subject(), _viewer()
    data, errors = parse_form(HistoryQuery(), request.args)
    filters = data or {}
    entries, total, page, pages = dashboard.history(citizen, viewer, filters=filters)
    dashboard.log_delegate_view(citizen, viewer, "AccessLog", request.remote_addr)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "ens_core/health/history.html",
        **_context(
            entries=entries,
            total=total,
            page=page,
            pages=pages,
            errors=errors,
            values=request.args,
            args=args,
            service_options=dashboard.services_in_history(citizen, viewer),
            check=verify_chain(citizen.id),
        ),
    ), (400 if errors else 200)


# --- my data -----------------------------------------------------------------------------


@bp.get("/donnees")
@writes
@requires(can_use_health_space)
def data():
    citizen, viewer = subject(), _viewer()
    guardian = viewer if dashboard.is_guardian_view(viewer, citizen) else None
    vis = health.Visibility.of(citizen, guardian=guardian)
    charts = []
    for kind in health.measurement_kinds(vis):
        series = health.measurement_series(vis, kind)
        if series:
            charts.append(
                {
                    "kind": kind,
                    "label": MEASURES[kind].label,
                    "chart": line_chart(
                        series, name=str(MEASURES[kind].label), unit=unit_for_people(series[0].unit)
                    ),
                    "latest": series[-5:][::-1],
                }
            )
    query, errors = parse_form(DocumentQuery(), request.args)
    query = query or {}
    ranges = []
    if query.get("start"):
        ranges.append((operator.ge, datetime.combine(query["start"], time(0), tzinfo=UTC)))
    if query.get("end"):
        ranges.append(
            (operator.lt, datetime.combine(query["end"], time(0), tzinfo=UTC) + timedelta(days=1))
        )
    docs = health.search_documents(
        vis,
        type_codes=[query["type"]] if query.get("type") else None,
        date_ranges=ranges,
        text=query.get("q"),
        count=100,
    )
    appointments = health.search_appointments(vis, count=100, newest_first=True)
    dashboard.log_delegate_view(citizen, viewer, "Observation", request.remote_addr)
    return render_template(
        "ens_core/health/data.html",
        **_context(
            charts=charts,
            documents=docs.items,
            appointments=appointments.items,
            hidden_types=health.hidden_types_of(citizen),
            hideable=HIDEABLE_TYPES,
            document_types=DOCUMENT_TYPES,
            values=request.args,
            errors=errors,
            format_value=format_value,
            source_names=_source_names(
                docs.items + appointments.items + [m for c in charts for m in c["latest"]]
            ),
        ),
    ), (400 if errors else 200)


def _source_names(records) -> dict:
    ids = {r.source_service_id for r in records if r.source_service_id}
    return {sid: service.name for sid, service in SERVICES.get().by_ids(ids).items()}


@bp.post("/donnees/masquer")
@requires(can_use_health_space)
def hide_type():
    data = validated_or_400(HideTypeForm())
    health.set_type_hidden(subject(), data["data_type"], data["hidden"])
    label = HIDEABLE_TYPES[data["data_type"]]
    return saved(
        _("« %(type)s » est masqué pour tous les services connectés.", type=label)
        if data["hidden"]
        else _("« %(type)s » est de nouveau visible des services connectés.", type=label),
        url_for("health.data"),
    )


def _document_or_404(public_id: str) -> Document:
    citizen, viewer = subject(), _viewer()
    doc = health.get_owned(Document, citizen, public_id)
    if doc is None:
        abort(404)
    if dashboard.is_guardian_view(viewer, citizen):
        visible, _reason = health.Visibility.of(citizen, guardian=viewer).can_see(doc)
        if not visible:
            abort(404)
    return doc


@bp.post("/documents/<public_id>/masquer")
@requires(can_use_health_space)
def hide_document(public_id):
    doc = _document_or_404(public_id)
    data = validated_or_400(HiddenForm())
    health.set_document_hidden(subject(), doc, data["hidden"])
    return saved(
        _("Le document « %(title)s » est masqué pour tous les services connectés.", title=doc.title)
        if data["hidden"]
        else _(
            "Le document « %(title)s » est de nouveau visible des services connectés.",
            title=doc.title,
        ),
        url_for("health.data"),
    )


@bp.get("/documents/<public_id>")
@writes
@requires(can_use_health_space)
def document_file(public_id):
    doc = _document_or_404(public_id)
    citizen, viewer = subject(), _viewer()
    if dashboard.is_guardian_view(viewer, citizen):
        record_access(
            citizen,
            interaction="read",
            resource_type="DocumentReference",
            resource_ids=[doc.public_id],
            actor=viewer,
            ip=request.remote_addr,
            detail="acting for",
        )
    content, content_type = doc.binary.data, doc.binary.content_type
    response = current_app.response_class(content, mimetype=content_type)
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- export ------------------------------------------------------------------------------


@bp.get("/telecharger")
@requires(can_use_health_space)
def export_page():
    return render_template(
        "ens_core/health/export.html", **_context(filename=dashboard.export_filename())
    )


@bp.post("/telecharger")
@requires(can_use_health_space)
def export_download():
    filename, content = dashboard.build_export(subject(), _viewer(), ip=request.remote_addr)
    response = current_app.response_class(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- notifications -----------------------------------------------------------------------


@bp.route("/notifications", methods=["GET", "POST"])
@writes  # reading the page marks the notifications read
@requires(can_use_health_space)
def notification_centre():
    viewer = _viewer()
    if request.method == "POST":
        data = validated_or_400(PreferencesForm())
        for kind in notifications.KINDS:
            notifications.set_preference(
                viewer, kind, in_app=kind in data["in_app"], email=kind in data["email"]
            )
        return saved(
            _("Vos préférences de notification sont enregistrées."),
            url_for("health.notification_centre"),
        )
    items = notifications.notifications_of(viewer)
    page = render_template(
        "ens_core/health/notifications.html",
        **_context(items=items, preferences=notifications.preferences_of(viewer)),
    )
    notifications.mark_all_read(viewer)
    return page


# --- abuse report ------------------------------------------------------------------------


@bp.route("/signaler", methods=["GET", "POST"])
@requires(can_use_health_space)
def report_abuse():
    with form_page(_report_page):
        data = validated(AbuseForm())
        services = SERVICES.get().reportable()
        service = next((s for s in services if s.id == data["service"]), None)
        if service is None:
            raise InvalidForm(field_error("service", _("Choisissez un service de la liste.")))
        category, description = AbuseCategory(data["category"]), data["description"].strip()
        report = health.file_abuse_report(_viewer(), service, category, description)
    return saved(
        _(
            "Votre signalement n° %(id)s est enregistré. L'autorité de référencement va l'examiner.",
            id=report.id,
        ),
        url_for("health.report_abuse"),
    )


def _report_page(errors=None):
    return render_template(
        "ens_core/health/report.html",
        **_context(
            services=SERVICES.get().reportable(),
            categories=[(c.value, c.label) for c in AbuseCategory],
            errors=errors or {},
            values=request.form,
            reports=health.reports_of(_viewer()),
            labels=ABUSE_LABELS,
        ),
    )


# --- the minor's confidentiality ---------------------------------------------------------


@bp.route("/confidentialite", methods=["GET", "POST"])
@requires(can_use_health_space)
def confidentiality():
    citizen, viewer = subject(), _viewer()
    if dashboard.is_guardian_view(viewer, citizen):
        abort(403)  # only the minor decides what their guardian sees
    allowed = delegation.can_hide_from_guardian(citizen)
    if request.method == "POST":
        if not allowed:
            abort(403)
        target = request.form.get("target", "")
        hidden = request.form.get("hidden") == "true"
        kind, _sep, ident = target.partition(":")
        try:
            if kind == "service" and ident.isdigit():
                delegation.set_hidden_from_guardian(citizen, service_id=int(ident), hidden=hidden)
            elif kind == "document":
                doc = health.get_owned(Document, citizen, ident)
                if doc is None:
                    abort(404)
                delegation.set_hidden_from_guardian(citizen, document_id=doc.id, hidden=hidden)
            else:
                abort(400)
        except delegation.DelegationError:
            abort(403)
        return saved(
            _("Vos choix de confidentialité sont enregistrés."), url_for("health.confidentiality")
        )
    hidden_services, hidden_documents = delegation.hidden_from_guardian(citizen)
    documents = health.search_documents(health.Visibility.of(citizen), count=100).items
    return render_template(
        "ens_core/health/confidentiality.html",
        **_context(
            allowed=allowed,
            guardians=delegation.guardians_of(citizen),
            services=dashboard.connected_services(citizen),
            documents=documents,
            hidden_services=hidden_services,
            hidden_documents=hidden_documents,
        ),
    )


# --- agents: guardianships ---------------------------------------------------------------


def _guardianship_messages() -> dict[str, tuple[str, str]]:
    """The field and message for each refusal of ``delegation.link_guardian``."""
    return {
        "self": ("ward_email", _("Une personne ne peut pas être son propre représentant.")),
        "not_minor": (
            "kind",
            _("Cette personne est majeure : choisissez tutelle ou curatelle."),
        ),
        "not_adult": (
            "kind",
            _("Cette personne est mineure : choisissez « représentant légal d'un mineur »."),
        ),
        "exists": ("ward_email", _("Ce lien existe déjà.")),
    }


@agent_bp.route("", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def guardianships():
    with form_page(_guardianships_page):
        data = validated(GuardianshipForm())
        guardian = find_user_by_email(data["guardian_email"])
        ward = find_user_by_email(data["ward_email"])
        if guardian is None:
            raise InvalidForm(field_error("guardian_email", _("Aucun compte avec cette adresse.")))
        if ward is None:
            raise InvalidForm(field_error("ward_email", _("Aucun compte avec cette adresse.")))
        try:
            delegation.link_guardian(
                current_user,
                guardian,
                ward,
                GuardianshipKind(data["kind"]),
                reference=data.get("reference"),
                ends_on=data.get("ends_on"),
            )
        except delegation.DelegationError as error:
            raise InvalidForm(field_error(*_guardianship_messages()[str(error)])) from None
    return saved(
        _(
            "%(guardian)s peut maintenant agir pour %(ward)s.",
            guardian=guardian.name,
            ward=ward.name,
        ),
        url_for("health_agent.guardianships"),
    )


def _guardianships_page(errors=None):
    links = db.session.scalars(
        select(Guardianship).order_by(Guardianship.created_at.desc()).limit(200)
    ).all()
    return render_template(
        "ens_core/health/agent_guardianships.html",
        links=links,
        is_active=delegation.link_is_active,
        kinds=[(k.value, k.label) for k in GuardianshipKind],
        errors=errors or {},
        values=request.form,
    )


@agent_bp.post("/<int:link_id>/fin")
@requires(can_use_agent_portal)
def end_guardianship(link_id):
    link = db.session.get(Guardianship, link_id)
    if link is None:
        abort(404)
    delegation.end_link(current_user, link)
    return saved(_("Le lien de représentation est terminé."), url_for("health_agent.guardianships"))
