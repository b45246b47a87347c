"""Sovereignty pages: the registry and the cases (agents), deletion orders (agents and
editors). Thin views: parse, call a service, render; the transaction boundary commits."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalogue.models import Service
from catalogue.policies import can_manage_service
from catalogue.services import get_service, service_ids_of, services_by_ids
from ens_core.accounts.policies import (
    can_administer,
    can_use_agent_portal,
    can_use_editor_portal,
    requires,
)
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
from review.sovereignty import services
from review.sovereignty.models import CaseState, DeletionOrder, OrderState, SovereigntyCase, Union
from review.sovereignty.schemas import AttestationReviewSchema, RegistryChangeSchema
from review.surveillance import renewal
from review.surveillance import services as surveillance

agent_bp = Blueprint("sovereignty", __name__, url_prefix="/agent/souverainete")
editor_bp = Blueprint("compliance", __name__, url_prefix="/editeur/conformite")


def editor_service_ids(user) -> list[int]:
    return service_ids_of(user)


def _services_by_id(ids) -> dict[int, Service]:
    return services_by_ids(ids)


# --------------------------------------------------------------------------- agents


@agent_bp.route("")
@requires(can_use_agent_portal)
def home():
    today = utcnow().date()
    open_cases = services.cases(state=CaseState.OPEN)
    orders = services.deletion_orders(only_open=True)
    by_id = _services_by_id([c.service_id for c in open_cases] + [o.service_id for o in orders])
    return render_template(
        "review/sovereignty/agent_home.html",
        cases=open_cases,
        orders=orders,
        services_by_id=by_id,
        today=today,
    )


@agent_bp.route("/cas/<int:case_id>/regularisation", methods=["POST"])
@requires(can_use_agent_portal)
def accept_regularisation(case_id: int):
    case = db.session.get(SovereigntyCase, case_id)
    if case is None:
        abort(404)
    home = url_for("sovereignty.home")
    with refusals_flashed(home, services.SovereigntyError):
        services.accept_regularisation(current_user, case, now=utcnow())
    return saved(_("Régularisation acceptée : le service est rétabli."), home)


def _registry_page(errors=None):
    return render_template(
        "review/sovereignty/registry.html",
        countries=services.list_countries(),
        errors=errors or {},
        values=request.form.to_dict(),
        can_change=can_administer(current_user),
        unions=list(Union),
    )


@agent_bp.route("/pays")
@requires(can_use_agent_portal)
def registry():
    return _registry_page()


@agent_bp.route("/pays/changement", methods=["POST"])
@requires(can_administer)
def registry_change():
    with refusals_shown_on(_registry_page, services.SovereigntyError, field="code"):
        data = validated(RegistryChangeSchema())
        code, union, now = data["code"].upper(), Union(data["union"]), utcnow()
        if data["action"] == "leave":
            actions = services.record_leave(current_user, code, union, data["on"], now=now)
        else:
            actions = services.record_join(
                current_user, code, union, data["on"], now=now, name=data.get("name")
            )
    changed = [a for a in actions if a.action != services.UNCHANGED]
    return saved(
        _("Changement enregistré. Services affectés immédiatement : %(n)s.", n=len(changed)),
        url_for("sovereignty.registry"),
    )


@agent_bp.route("/suppressions")
@requires(can_use_agent_portal)
def orders():
    all_orders = services.deletion_orders()
    return render_template(
        "review/sovereignty/orders.html",
        orders=all_orders,
        services_by_id=_services_by_id(o.service_id for o in all_orders),
        today=utcnow().date(),
    )


def _order_or_404(order_id: int) -> DeletionOrder:
    order = db.session.get(DeletionOrder, order_id)
    if order is None:
        abort(404)
    return order


@agent_bp.route("/suppressions/<int:order_id>", methods=["GET", "POST"])
@requires(can_use_agent_portal)
def order(order_id: int):
    order = _order_or_404(order_id)
    with form_page(partial(_order_page, order), services.SovereigntyError, field="decision"):
        data = validated(AttestationReviewSchema())
        accept = data["decision"] == "accept"
        services.review_attestation(
            current_user, order, accept=accept, comment=data["comment"], now=utcnow()
        )
    return saved(
        _("Examen de l'attestation enregistré."), url_for("sovereignty.order", order_id=order.id)
    )


def _order_page(order, errors=None):
    return _render_order(
        "review/sovereignty/order_agent.html", order, get_service(order.service_id), errors
    )


def _render_order(template: str, order, service, errors=None):
    """A deletion order's page (the agent's or the editor's)."""
    return render_template(
        template,
        order=order,
        service=service,
        errors=errors or {},
        today=utcnow().date(),
        OrderState=OrderState,
    )


@agent_bp.route("/suppressions/<int:order_id>/attestation")
@requires(can_use_agent_portal)
def attestation(order_id: int):
    return _send_attestation(_order_or_404(order_id))


def _send_attestation(order: DeletionOrder):
    path = services.attestation_file(order)
    if path is None or not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=order.attestation_filename or "attestation.pdf",
    )


# --------------------------------------------------------------------------- editors


@editor_bp.route("", endpoint="home")
@requires(can_use_editor_portal)
def editor_home():
    ids = editor_service_ids(current_user)
    return render_template(
        "review/sovereignty/editor_home.html",
        services_list=sorted(_services_by_id(ids).values(), key=lambda s: s.name),
        cases=services.cases(service_ids=ids),
        orders=services.deletion_orders(service_ids=ids),
        sanctions=surveillance.sanctions_of(ids),
        changes=surveillance.changes(service_ids=ids),
        services_by_id=_services_by_id(ids),
        renewals={r.service_id: r for r in renewal.pending_requests(ids)},
        today=utcnow().date(),
    )


def _editor_order(order_id: int) -> tuple[DeletionOrder, Service]:
    order = _order_or_404(order_id)
    service = get_service(order.service_id)
    if not can_manage_service(current_user, service):
        abort(404)
    return order, service


@editor_bp.route("/suppressions/<int:order_id>", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def order_editor(order_id: int):
    order, service = _editor_order(order_id)
    page = partial(_order_editor_page, order, service)
    with form_page(page, services.SovereigntyError, field="attestation"):
        upload = request.files.get("attestation")
        if upload is None or not upload.filename:
            message = _("Joignez l'attestation de suppression (PDF).")
            raise InvalidForm(field_error("attestation", message))
        content = upload.read(services.ATTESTATION_MAX_BYTES + 1)
        services.submit_attestation(
            current_user, order, filename=upload.filename, content=content, now=utcnow()
        )
    return saved(
        _("Attestation déposée. Un agent va l'examiner."),
        url_for("compliance.order_editor", order_id=order.id),
    )


def _order_editor_page(order, service, errors=None):
    return _render_order("review/sovereignty/order_editor.html", order, service, errors)


@editor_bp.route("/suppressions/<int:order_id>/attestation")
@requires(can_use_editor_portal)
def attestation_editor(order_id: int):
    order, _service = _editor_order(order_id)
    return _send_attestation(order)
