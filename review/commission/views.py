"""Commission portal (members), public declarations, and the agent's secretariat pages.

Views are thin: parse, check the policy on the object, call a service, commit once.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ens_core.accounts.policies import can_use_commission_portal, requires
from ens_core.db import db
from ens_core.forms import field_error, parse_form
from review.commission import policies, queries, schemas, services
from review.commission.models import (
    College,
    ConflictStatus,
    ItemStatus,
    Section,
    Sector,
    SessionStatus,
    VoteChoice,
)

member_bp = Blueprint("commission", __name__, url_prefix="/commission")
public_bp = Blueprint("commission_public", __name__, url_prefix="/commission/membres")
agent_commission_bp = Blueprint("agent_commission", __name__, url_prefix="/agent/commission")

EXTRA_ROWS = 3


def _or_404(obj):
    if obj is None:
        abort(404)
    return obj


def _me():
    return services.member_of(current_user)


def _error(error: services.CommissionError) -> dict:
    return field_error(error.field, error.message)


# ------------------------------------------------------------------ member portal


@member_bp.route("", endpoint="home")
@requires(can_use_commission_portal)
def home():
    member = _me()
    today = date.today()
    chair_alerts = []
    if member is not None and any(m.id == member.id for m in services.co_chairs_on(today)):
        chair_alerts = [
            (m, services.excluded_sector_links(m))
            for m in services.all_members()
            if services.excluded_sector_links(m)
        ]
    return render_template(
        "review/commission_home.html",
        member=member,
        mandate=member.mandate_on(today) if member else None,
        declaration_status=queries.declaration_status(member, today) if member else "missing",
        sessions=[s for s in services.list_sessions() if s.status is SessionStatus.PLANNED]
        if policies.can_see_agenda(member)
        else [],
        chair_alerts=chair_alerts,
        presiding=[s for s in services.list_sessions() if member and policies.can_chair(member, s)],
    )


@member_bp.route("/historique")
@requires(can_use_commission_portal)
def history():
    member = _or_404(_me())
    return render_template("review/commission/history.html", member=member, today=date.today())


@member_bp.route("/declaration", methods=["GET", "POST"])
@requires(can_use_commission_portal)
def declaration():
    member = _or_404(_me())
    latest = member.latest_declaration
    rows = (len(latest.links) if latest else 0) + EXTRA_ROWS
    if request.method == "POST":
        rows = min(max(rows, request.form.get("rows", default=rows, type=int) or rows), 200)
        data, errors = parse_form(schemas.DeclarationSchema(), request.form)
        links, link_errors = schemas.parse_links(request.form, rows)
        errors |= link_errors
        if not errors:
            try:
                services.file_declaration(member, links, statement=data["statement"] or "")
            except services.CommissionError as error:
                errors = _error(error)
            else:
                db.session.commit()
                flash(_("Votre déclaration a été enregistrée et publiée."), "success")
                return redirect(url_for("commission.history"))
        return (
            render_template(
                "review/commission/declaration_form.html",
                member=member,
                rows=rows,
                values=request.form,
                errors=errors,
                sections=Section,
                sectors=Sector,
            ),
            400,
        )
    values = {}
    if latest:
        values["statement"] = latest.statement
        for i, link in enumerate(latest.links):
            for name in schemas.LINK_FIELDS:
                value = getattr(link, name)
                values[f"links-{i}-{name}"] = (
                    value.value
                    if hasattr(value, "value")
                    else value.isoformat()
                    if isinstance(value, date)
                    else ""
                    if value is None
                    else str(value)
                )
    return render_template(
        "review/commission/declaration_form.html",
        member=member,
        rows=rows,
        values=values,
        errors={},
        sections=Section,
        sectors=Sector,
    )


@member_bp.route("/seances")
@requires(can_use_commission_portal)
def sessions():
    member = _me()
    if not policies.can_see_agenda(member):
        return render_template("review/commission/no_mandate.html"), 403
    return render_template(
        "review/commission/sessions.html",
        sessions=[s for s in services.list_sessions() if policies.can_see_session(member, s)],
    )


@member_bp.route("/seances/<int:session_id>")
@requires(can_use_commission_portal)
def session(session_id: int):
    session = _or_404(services.get_session(session_id))
    if not policies.can_see_session(_me(), session):
        abort(403)
    return _render_member_session(session)


def _render_member_session(session, errors=None, status=200):
    member = _me()
    return (
        render_template(
            "review/commission/session.html",
            session=session,
            member=member,
            sitting_refusal=policies.sitting_refusal(member, session),
            can_chair=policies.can_chair(member, session),
            members=services.members_with_mandate_on(session.held_on),
            present=services.present_member_ids(session),
            errors=errors or {},
        ),
        status,
    )


def _item_or_403(item_id: int):
    item = _or_404(services.get_item(item_id))
    if not policies.can_see_item(current_user, item):
        abort(403)
    return item


def _render_item(item, errors=None, status=200, values=None):
    from review.decisions.sources import public_scores

    member = _me()
    return (
        render_template(
            "review/commission/item.html",
            item=item,
            member=member,
            scores=public_scores(item.dossier),
            my_vote=next((v for v in item.votes if v.member_id == member.id), None),
            my_conflicts=[c for c in item.conflicts if c.member_id == member.id],
            vote_refusal=policies.vote_refusal(member, item),
            choices=list(VoteChoice),
            errors=errors or {},
            values=values or {},
            service=services.dossier_service(item.dossier),
        ),
        status,
    )


@member_bp.route("/points/<int:item_id>")
@requires(can_use_commission_portal)
def item(item_id: int):
    return _render_item(_item_or_403(item_id))


@member_bp.route("/points/<int:item_id>/commentaires", methods=["POST"])
@requires(can_use_commission_portal)
def comment(item_id: int):
    item = _item_or_403(item_id)
    data, errors = parse_form(schemas.CommentSchema(), request.form)
    if not errors:
        try:
            services.add_comment(_me(), item, data["body"])
        except services.CommissionError as error:
            errors = _error(error)
    if errors:
        return _render_item(item, errors, 400, request.form)
    db.session.commit()
    return redirect(url_for("commission.item", item_id=item.id) + "#commentaires", 303)


@member_bp.route("/points/<int:item_id>/vote", methods=["POST"])
@requires(can_use_commission_portal)
def vote(item_id: int):
    item = _item_or_403(item_id)
    data, errors = parse_form(schemas.VoteSchema(), request.form)
    if not errors:
        try:
            stored = services.cast_vote(_me(), item, data["choice"], data["reservations"] or "")
        except services.CommissionError as error:
            errors = _error(error)
    if errors:
        return _render_item(item, errors, 400, request.form)
    db.session.commit()
    if stored is None:
        flash(_("Votre vote était déjà enregistré : il n'a pas été modifié."), "warning")
    else:
        flash(_("Votre vote est enregistré."), "success")
    return redirect(url_for("commission.item", item_id=item.id), 303)


@member_bp.route("/points/<int:item_id>/deport", methods=["POST"])
@requires(can_use_commission_portal)
def recuse(item_id: int):
    item = _item_or_403(item_id)
    data, errors = parse_form(schemas.RecusalSchema(), request.form)
    if not errors:
        try:
            services.recuse_self(_me(), item, reason=data["reason"] or "")
        except services.CommissionError as error:
            errors = _error(error)
    if errors:
        return _render_item(item, errors, 400, request.form)
    db.session.commit()
    flash(_("Votre déport est enregistré : ce dossier ne vous est plus accessible."), "success")
    return redirect(url_for("commission.session", session_id=item.session_id), 303)


def _chair_session(session_id: int):
    session = _or_404(services.get_session(session_id))
    if not policies.can_chair(current_user, session):
        abort(403)
    return session


def _render_conflicts(session, errors=None, status=200):
    return (
        render_template(
            "review/commission/conflicts.html",
            session=session,
            errors=errors or {},
            potential=ConflictStatus.POTENTIAL,
        ),
        status,
    )


@member_bp.route("/seances/<int:session_id>/conflits")
@requires(can_use_commission_portal)
def conflicts(session_id: int):
    return _render_conflicts(_chair_session(session_id))


@member_bp.route("/seances/<int:session_id>/conflits/<int:conflict_id>", methods=["POST"])
@requires(can_use_commission_portal)
def decide_conflict(session_id: int, conflict_id: int):
    session = _chair_session(session_id)
    conflict = next((c for i in session.items for c in i.conflicts if c.id == conflict_id), None)
    _or_404(conflict)
    data, errors = parse_form(schemas.ConflictDecisionSchema(), request.form)
    if not errors:
        try:
            services.decide_conflict(
                current_user,
                conflict,
                confirm=data["decision"] == "confirm",
                reason=data["reason"] or "",
            )
        except services.CommissionError as error:
            errors = field_error(f"reason-{conflict.id}", error.message)
    if errors:
        return _render_conflicts(session, errors, 400)
    db.session.commit()
    flash(_("Décision enregistrée."), "success")
    return redirect(url_for("commission.conflicts", session_id=session.id), 303)


@member_bp.route("/seances/<int:session_id>/presences", methods=["POST"])
@requires(can_use_commission_portal)
def chair_attendance(session_id: int):
    session = _chair_session(session_id)
    data, errors = parse_form(schemas.AttendanceSchema(), request.form)
    if not errors:
        try:
            services.record_attendance(current_user, session, set(data["present"]))
        except services.CommissionError as error:
            errors = _error(error)
    if errors:
        db.session.rollback()
        return _render_member_session(services.get_session(session_id), errors, 400)
    db.session.commit()
    flash(_("Présences enregistrées."), "success")
    return redirect(url_for("commission.session", session_id=session.id), 303)


# ------------------------------------------------------------------ public pages


@public_bp.route("")
def public_members():
    today = date.today()
    members = [m for m in services.all_members() if services.declaration_is_public(m, today)]
    return render_template("review/commission/public_members.html", members=members, today=today)


@public_bp.route("/<int:member_id>/declaration")
def public_declaration(member_id: int):
    member = _or_404(services.get_member(member_id))
    if not services.declaration_is_public(member):
        abort(404)
    versions = {d.version: d for d in member.declarations}
    shown = versions.get(request.args.get("version", type=int)) or member.latest_declaration
    diff, older = None, None
    if shown is not None:
        older = versions.get(request.args.get("compare", type=int)) or versions.get(
            shown.version - 1
        )
        if older is not None and older.version >= shown.version:
            older = None
        diff = services.declaration_diff(older, shown) if older else None
    return render_template(
        "review/commission/public_declaration.html",
        member=member,
        shown=shown,
        older=older,
        diff=diff,
        flagged={link.id for link in services.excluded_sector_links(member, shown)}
        if shown
        else set(),
        sections=Section,
    )


# --------------------------------------------------------------- agent secretariat


@agent_commission_bp.route("", endpoint="index")
@requires(policies.can_manage_commission)
def agent_index():
    today = date.today()
    return render_template(
        "review/commission/agent_index.html",
        members=services.all_members(),
        sessions=services.list_sessions(),
        today=today,
        declaration_status={
            m.id: queries.declaration_status(m, today) for m in services.all_members()
        },
    )


def _render_new_member(errors=None, values=None, status=200):
    return (
        render_template(
            "review/commission/agent_member_new.html",
            errors=errors or {},
            values=values or {},
            colleges=College,
        ),
        status,
    )


@agent_commission_bp.route("/membres/nouveau", methods=["GET", "POST"])
@requires(policies.can_manage_commission)
def new_member():
    if request.method == "GET":
        return _render_new_member()
    from ens_core.accounts.services import find_user_by_email

    data, errors = parse_form(schemas.NewMemberSchema(), request.form)
    if not errors:
        user = find_user_by_email(data["email"])
        if user is None:
            errors = field_error("email", _("Aucun compte n'utilise cette adresse."))
        else:
            try:
                member = services.ensure_member(current_user, user)
                services.add_mandate(
                    current_user,
                    member,
                    college=data["college"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except services.CommissionError as error:
                errors = _error(error)
    if errors:
        db.session.rollback()
        return _render_new_member(errors, request.form, 400)
    db.session.commit()
    flash(_("Membre enregistré."), "success")
    return redirect(url_for("agent_commission.member", member_id=member.id), 303)


def _render_member(member, errors=None, values=None, status=200):
    return (
        render_template(
            "review/commission/agent_member.html",
            member=member,
            errors=errors or {},
            values=values or {},
            colleges=College,
            today=date.today(),
            declaration_status=queries.declaration_status(member, date.today()),
        ),
        status,
    )


@agent_commission_bp.route("/membres/<int:member_id>", endpoint="member")
@requires(policies.can_manage_commission)
def agent_member(member_id: int):
    return _render_member(_or_404(services.get_member(member_id)))


@agent_commission_bp.route("/membres/<int:member_id>/mandats", methods=["POST"])
@requires(policies.can_manage_commission)
def add_mandate(member_id: int):
    member = _or_404(services.get_member(member_id))
    data, errors = parse_form(schemas.MandateSchema(), request.form)
    if not errors:
        try:
            services.add_mandate(
                current_user,
                member,
                college=data["college"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except services.CommissionError as error:
            errors = _error(error)
    if errors:
        db.session.rollback()
        return _render_member(member, errors, request.form, 400)
    db.session.commit()
    flash(_("Mandat enregistré."), "success")
    return redirect(url_for("agent_commission.member", member_id=member.id), 303)


@agent_commission_bp.route(
    "/membres/<int:member_id>/mandats/<int:mandate_id>/fin", methods=["POST"]
)
@requires(policies.can_manage_commission)
def end_mandate(member_id: int, mandate_id: int):
    member = _or_404(services.get_member(member_id))
    mandate = _or_404(next((m for m in member.mandates if m.id == mandate_id), None))
    data, errors = parse_form(schemas.EndMandateSchema(), request.form)
    if not errors:
        try:
            services.end_mandate_early(
                current_user, mandate, on=data["last_day"], reason=data["reason"]
            )
        except services.CommissionError as error:
            errors = field_error("last_day", error.message)
    if errors:
        db.session.rollback()
        return _render_member(services.get_member(member_id), errors, request.form, 400)
    db.session.commit()
    flash(_("Fin de mandat enregistrée."), "success")
    return redirect(url_for("agent_commission.member", member_id=member.id), 303)


def _render_new_session(errors=None, values=None, status=200):
    return (
        render_template(
            "review/commission/agent_session_new.html",
            errors=errors or {},
            values=values or {},
            chairs=[
                (str(m.id), m.name)
                for m in services.all_members()
                if any(x.college is College.CO_CHAIR for x in m.mandates)
            ],
        ),
        status,
    )


@agent_commission_bp.route("/seances/nouvelle", methods=["GET", "POST"])
@requires(policies.can_manage_commission)
def new_session():
    if request.method == "GET":
        return _render_new_session()
    data, errors = parse_form(schemas.SessionSchema(), request.form)
    if not errors:
        presiding = services.get_member(data["presiding_member_id"])
        if presiding is None:
            errors = field_error("presiding_member_id", _("Choisissez une des valeurs proposées."))
        else:
            try:
                session = services.create_session(
                    current_user,
                    title=data["title"],
                    held_at=data["held_at"],
                    presiding=presiding,
                    location=data["location"],
                )
            except services.CommissionError as error:
                errors = _error(error)
    if errors:
        return _render_new_session(errors, request.form, 400)
    db.session.commit()
    flash(_("Séance créée."), "success")
    return redirect(url_for("agent_commission.session", session_id=session.id), 303)


def _render_agent_session(session, errors=None, status=200):
    return (
        render_template(
            "review/commission/agent_session.html",
            session=session,
            errors=errors or {},
            schedulable=services.schedulable_dossiers(),
            members=services.members_with_mandate_on(session.held_on),
            present=services.present_member_ids(session),
            quorum={i.id: services.quorum_for(i) for i in session.items},
            tallies={i.id: services.tally(i) for i in session.items},
            refusals={
                m.id: policies.sitting_refusal(m, session)
                for m in services.members_with_mandate_on(session.held_on)
            },
            service_of=services.dossier_service,
            statuses=ItemStatus,
        ),
        status,
    )


def _agent_session(session_id: int):
    return _or_404(services.get_session(session_id))


@agent_commission_bp.route("/seances/<int:session_id>", endpoint="session")
@requires(policies.can_manage_commission)
def agent_session(session_id: int):
    return _render_agent_session(_agent_session(session_id))


def _session_action(session, action, success: str):
    try:
        action()
    except services.CommissionError as error:
        db.session.rollback()
        return _render_agent_session(services.get_session(session.id), _error(error), 400)
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("agent_commission.session", session_id=session.id), 303)


@agent_commission_bp.route("/seances/<int:session_id>/ordre-du-jour", methods=["POST"])
@requires(policies.can_manage_commission)
def add_to_agenda(session_id: int):
    from review.dossiers.models import Dossier

    session = _agent_session(session_id)
    data, errors = parse_form(schemas.AgendaSchema(), request.form)
    if errors:
        return _render_agent_session(session, errors, 400)
    dossier = db.session.get(Dossier, data["dossier_id"])
    if dossier is None:
        return _render_agent_session(
            session, field_error("dossier_id", _("Choisissez une des valeurs proposées.")), 400
        )
    return _session_action(
        session,
        lambda: services.put_on_agenda(current_user, session, dossier),
        _("Dossier inscrit à l'ordre du jour ; conflits d'intérêts vérifiés."),
    )


@agent_commission_bp.route("/seances/<int:session_id>/convocation", methods=["POST"])
@requires(policies.can_manage_commission)
def convene(session_id: int):
    session = _agent_session(session_id)
    return _session_action(
        session, lambda: services.convene(current_user, session), _("Convocations envoyées.")
    )


@agent_commission_bp.route("/seances/<int:session_id>/presences", methods=["POST"])
@requires(policies.can_manage_commission)
def attendance(session_id: int):
    session = _agent_session(session_id)
    data, errors = parse_form(schemas.AttendanceSchema(), request.form)
    if errors:
        return _render_agent_session(session, errors, 400)
    return _session_action(
        session,
        lambda: services.record_attendance(current_user, session, set(data["present"])),
        _("Présences enregistrées."),
    )


@agent_commission_bp.route("/seances/<int:session_id>/reconvocation", methods=["POST"])
@requires(policies.can_manage_commission)
def reconvene(session_id: int):
    session = _agent_session(session_id)
    data, errors = parse_form(schemas.ReconveneSchema(), request.form)
    if errors:
        return _render_agent_session(session, errors, 400)
    try:
        new = services.reconvene(current_user, session, held_at=data["held_at"])
    except services.CommissionError as error:
        db.session.rollback()
        return _render_agent_session(services.get_session(session_id), _error(error), 400)
    db.session.commit()
    flash(_("Séance reconvoquée : elle pourra délibérer sans quorum."), "success")
    return redirect(url_for("agent_commission.session", session_id=new.id), 303)


@agent_commission_bp.route("/seances/<int:session_id>/cloture", methods=["POST"])
@requires(policies.can_manage_commission)
def close_session(session_id: int):
    session = _agent_session(session_id)
    return _session_action(
        session, lambda: services.close_session(current_user, session), _("Séance close.")
    )


def _agent_item(item_id: int):
    return _or_404(services.get_item(item_id))


@agent_commission_bp.route("/points/<int:item_id>/ouverture", methods=["POST"])
@requires(policies.can_manage_commission)
def open_item(item_id: int):
    item = _agent_item(item_id)
    return _session_action(
        item.session,
        lambda: services.open_deliberation(current_user, item),
        _("Quorum vérifié pour ce point."),
    )


@agent_commission_bp.route("/points/<int:item_id>/cloture", methods=["POST"])
@requires(policies.can_manage_commission)
def close_item(item_id: int):
    item = _agent_item(item_id)
    return _session_action(
        item.session, lambda: services.close_item(current_user, item), _("Avis enregistré.")
    )


@agent_commission_bp.route("/points/<int:item_id>/retrait", methods=["POST"])
@requires(policies.can_manage_commission)
def withdraw_item(item_id: int):
    item = _agent_item(item_id)
    return _session_action(
        item.session,
        lambda: services.withdraw_from_agenda(current_user, item),
        _("Dossier retiré de l'ordre du jour."),
    )


@agent_commission_bp.route("/seances/<int:session_id>/proces-verbal")
@requires(policies.can_manage_commission)
def minutes(session_id: int):
    session = _agent_session(session_id)
    return render_template(
        "review/commission/minutes.html",
        session=session,
        members=services.members_with_mandate_on(session.held_on),
        present=services.present_member_ids(session),
        tallies={i.id: services.tally(i) for i in session.items},
        service_of=services.dossier_service,
        statuses=ItemStatus,
    )
