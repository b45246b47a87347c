"""Commission portal (members), public declarations, and the agent's secretariat pages.

Views are thin: parse, check the policy on the object, call a service (the transaction
boundary commits once).
"""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ens_core.accounts.policies import can_use_commission_portal, requires
from ens_core.accounts.services import find_user_by_email
from ens_core.boundary import writes
from ens_core.db import db
from ens_core.forms import (
    InvalidForm,
    field_error,
    form_page,
    parse_form,
    refusals_shown_on,
    saved,
    validated,
)
from review.commission import policies, queries, schemas, services
from review.commission.dossier_file import dossier_file
from review.commission.models import (
    College,
    ConflictStatus,
    ItemStatus,
    Section,
    Sector,
    SessionStatus,
    VoteChoice,
)
from review.dossiers import evidence as evidence_files
from review.dossiers.models import Dossier
from review.dossiers.services import find_evidence
from review.scoring.services import score_panel

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


def _shown_on(page, field: str | None = None):
    """A form that does not validate, or a refusal of the commission's services (on the
    field it names unless ``field`` is given), shown on ``page`` (400)."""
    return refusals_shown_on(page, services.CommissionError, field=field)


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
        service_of=services.dossier_service,
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
    if request.method == "GET":
        return _declaration_form(member, rows, _declared_values(latest))
    rows = min(max(rows, request.form.get("rows", default=rows, type=int) or rows), 200)
    with _shown_on(partial(_declaration_form, member, rows, request.form)):
        data, errors = parse_form(schemas.DeclarationSchema(), request.form)
        links, link_errors = schemas.parse_links(request.form, rows)
        if errors or link_errors:
            raise InvalidForm(errors | link_errors)
        services.file_declaration(member, links, statement=data["statement"] or "")
    return saved(
        _("Votre déclaration a été enregistrée et publiée."), url_for("commission.history")
    )


def _declaration_form(member, rows: int, values, errors=None):
    return render_template(
        "review/commission/declaration_form.html",
        member=member,
        rows=rows,
        values=values,
        errors=errors or {},
        sections=Section,
        sectors=Sector,
    )


def _declared_values(latest) -> dict:
    """The form prefilled with the member's latest declaration."""
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
    return values


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
            service_of=services.dossier_service,
            errors=errors or {},
        ),
        status,
    )


def _item_or_403(item_id: int, policy=policies.can_see_item):
    item = _or_404(services.get_item(item_id))
    if not policy(current_user, item):
        abort(403)
    return item


def _render_item(item, errors=None, status=200, values=None):
    member = _me()
    return _render_item_form(
        "review/commission/item.html",
        item,
        errors,
        values,
        status,
        member=member,
        **score_panel(item.dossier),
        my_conflicts=[c for c in item.conflicts if c.member_id == member.id],
        vote_refusal=policies.vote_refusal(member, item),
    )


def _vote_of(member, item):
    return next((v for v in item.votes if member and v.member_id == member.id), None)


@member_bp.route("/points/<int:item_id>")
@requires(can_use_commission_portal)
def item(item_id: int):
    return _render_item(_item_or_403(item_id))


@member_bp.route("/points/<int:item_id>/dossier")
@requires(policies.can_use_dossier_pages)
def dossier(item_id: int):
    item = _item_or_403(item_id, policies.can_read_item_dossier)
    file = dossier_file(item.dossier)
    return render_template(
        "review/commission/dossier.html",
        item=item,
        file=file,
        **file.scores,
        dossier=item.dossier,
        member_view=can_use_commission_portal(current_user),
        evidence_url=lambda evidence: url_for(
            "commission.evidence", item_id=item.id, evidence_id=evidence.id
        ),
    )


@member_bp.route("/points/<int:item_id>/preuves/<int:evidence_id>")
@requires(policies.can_use_dossier_pages)
@writes
def evidence(item_id: int, evidence_id: int):
    item = _item_or_403(item_id, policies.can_read_item_dossier)
    piece = _or_404(find_evidence(item.dossier, evidence_id))
    response = _or_404(evidence_files.download(piece))
    services.record_evidence_download(current_user, item, piece)
    return response


def _item_refusals(item):
    return _shown_on(lambda errors: _render_item(item, errors, values=request.form))


@member_bp.route("/points/<int:item_id>/commentaires", methods=["POST"])
@requires(can_use_commission_portal)
def comment(item_id: int):
    item = _item_or_403(item_id)
    with _item_refusals(item):
        services.add_comment(_me(), item, validated(schemas.CommentSchema())["body"])
    return redirect(url_for("commission.item", item_id=item.id) + "#commentaires", 303)


def _form_page(template, errors=None, values=None, status=200, **context):
    """A page with a form: its ``errors`` and the ``values`` typed (none by default)."""
    return (
        render_template(template, errors=errors or {}, values=values or {}, **context),
        status,
    )


def _render_item_form(template, item, errors=None, values=None, status=200, **context):
    """A member's form about an agenda item (vote, recusal), with the member's vote."""
    return _form_page(
        template,
        errors,
        values,
        status,
        item=item,
        service=services.dossier_service(item.dossier),
        my_vote=_vote_of(_me(), item),
        **context,
    )


def _render_vote(item, errors=None, values=None, status=200):
    return _render_item_form(
        "review/commission/vote.html",
        item,
        errors,
        values,
        status,
        vote_refusal=policies.vote_refusal(_me(), item),
        choices=list(VoteChoice),
    )


@member_bp.route("/points/<int:item_id>/vote", methods=["GET", "POST"])
@requires(can_use_commission_portal)
def vote(item_id: int):
    """The choice and reservations; a valid form shows the recap (nothing stored)."""
    item = _item_or_403(item_id)
    with form_page(partial(_render_vote, item, values=request.form), services.CommissionError):
        data = validated(schemas.VoteSchema())
        prepared = services.prepare_vote(_me(), item, data["choice"], data["reservations"] or "")
    return render_template(
        "review/commission/vote_recap.html",
        item=item,
        service=services.dossier_service(item.dossier),
        prepared=prepared,
        ballot=services.seal_vote(prepared),
    )


@member_bp.route("/points/<int:item_id>/vote/confirmation", methods=["POST"])
@requires(can_use_commission_portal)
def confirm_vote(item_id: int):
    """Confirm stores the vote of the recap page; Modify brings the choice page back."""
    item = _item_or_403(item_id)
    with _shown_on(lambda errors: _render_vote(item, errors, status=400)):
        data = validated(schemas.BallotSchema())
        prepared = services.unseal_vote(data["ballot"], _me(), item)
        if data["action"] == "modify":
            values = {"choice": prepared.choice.value, "reservations": prepared.reservations}
            return _render_vote(item, values=values)
        stored = services.cast_vote(_me(), item, prepared.choice, prepared.reservations)
    back = url_for("commission.item", item_id=item.id)
    if stored is None:
        return saved(
            _("Votre vote était déjà enregistré : il n'a pas été modifié."), back, 303, "warning"
        )
    return saved(_("Votre vote est enregistré."), back, 303)


def _render_recusal(item, errors=None, values=None, status=200):
    return _render_item_form("review/commission/recuse.html", item, errors, values, status)


@member_bp.route("/points/<int:item_id>/deport", methods=["GET", "POST"])
@requires(can_use_commission_portal)
def recuse(item_id: int):
    """Recusal, on its own page: what it means, an optional reason, then confirmation."""
    item = _item_or_403(item_id)
    page = partial(_render_recusal, item, values=request.form)
    with form_page(page, services.CommissionError):
        services.recuse_self(_me(), item, reason=validated(schemas.RecusalSchema())["reason"] or "")
    return saved(
        _("Votre déport est enregistré : ce dossier ne vous est plus accessible."),
        url_for("commission.session", session_id=item.session_id),
        303,
    )


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
            service_of=services.dossier_service,
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
    with refusals_shown_on(
        partial(_render_conflicts, session),
        services.CommissionError,
        field=f"reason-{conflict.id}",
    ):
        data = validated(schemas.ConflictDecisionSchema())
        services.decide_conflict(
            current_user,
            conflict,
            confirm=data["decision"] == "confirm",
            reason=data["reason"] or "",
        )
    return saved(
        _("Décision enregistrée."), url_for("commission.conflicts", session_id=session.id), 303
    )


@member_bp.route("/seances/<int:session_id>/presences", methods=["POST"])
@requires(can_use_commission_portal)
def chair_attendance(session_id: int):
    session = _chair_session(session_id)
    with _shown_on(partial(_render_member_session, session)):
        present = set(validated(schemas.AttendanceSchema())["present"])
        services.record_attendance(current_user, session, present)
    return saved(
        _("Présences enregistrées."), url_for("commission.session", session_id=session.id), 303
    )


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
    return _form_page(
        "review/commission/agent_member_new.html", errors, values, status, colleges=College
    )


@agent_commission_bp.route("/membres/nouveau", methods=["GET", "POST"])
@requires(policies.can_manage_commission)
def new_member():
    page = partial(_render_new_member, values=request.form)
    with form_page(page, services.CommissionError):
        data = validated(schemas.NewMemberSchema())
        user = find_user_by_email(data["email"])
        if user is None:
            raise InvalidForm(field_error("email", _("Aucun compte n'utilise cette adresse.")))
        member = services.ensure_member(current_user, user)
        services.add_mandate(
            current_user,
            member,
            college=data["college"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    return saved(
        _("Membre enregistré."), url_for("agent_commission.member", member_id=member.id), 303
    )


def _render_member(member, errors=None, values=None, status=200):
    return _form_page(
        "review/commission/agent_member.html",
        errors,
        values,
        status,
        member=member,
        colleges=College,
        today=date.today(),
        declaration_status=queries.declaration_status(member, date.today()),
    )


@agent_commission_bp.route("/membres/<int:member_id>", endpoint="member")
@requires(policies.can_manage_commission)
def agent_member(member_id: int):
    return _render_member(_or_404(services.get_member(member_id)))


@agent_commission_bp.route("/membres/<int:member_id>/mandats", methods=["POST"])
@requires(policies.can_manage_commission)
def add_mandate(member_id: int):
    member = _or_404(services.get_member(member_id))
    with _member_refusals(member):
        data = validated(schemas.MandateSchema())
        services.add_mandate(
            current_user,
            member,
            college=data["college"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    return _to_member(member, _("Mandat enregistré."))


def _member_refusals(member, field: str | None = None):
    return _shown_on(lambda errors: _render_member(member, errors, request.form), field)


def _to_member(member, message: str):
    return saved(message, url_for("agent_commission.member", member_id=member.id), 303)


@agent_commission_bp.route(
    "/membres/<int:member_id>/mandats/<int:mandate_id>/fin", methods=["POST"]
)
@requires(policies.can_manage_commission)
def end_mandate(member_id: int, mandate_id: int):
    member = _or_404(services.get_member(member_id))
    mandate = _or_404(next((m for m in member.mandates if m.id == mandate_id), None))
    with _member_refusals(member, "last_day"):
        data = validated(schemas.EndMandateSchema())
        services.end_mandate_early(
            current_user, mandate, on=data["last_day"], reason=data["reason"]
        )
    return _to_member(member, _("Fin de mandat enregistrée."))


def _render_new_session(errors=None, values=None, status=200):
    return _form_page(
        "review/commission/agent_session_new.html",
        errors,
        values,
        status,
        chairs=[
            (str(m.id), m.name)
            for m in services.all_members()
            if any(x.college is College.CO_CHAIR for x in m.mandates)
        ],
    )


@agent_commission_bp.route("/seances/nouvelle", methods=["GET", "POST"])
@requires(policies.can_manage_commission)
def new_session():
    if request.method == "GET":
        return _render_new_session()
    with _shown_on(lambda errors: _render_new_session(errors, request.form)):
        data = validated(schemas.SessionSchema())
        presiding = services.get_member(data["presiding_member_id"])
        if presiding is None:
            raise InvalidForm(_unknown_choice("presiding_member_id"))
        session = services.create_session(
            current_user,
            title=data["title"],
            held_at=data["held_at"],
            presiding=presiding,
            location=data["location"],
        )
    return _to_session(session, _("Séance créée."))


def _unknown_choice(field: str) -> dict:
    return field_error(field, _("Choisissez une des valeurs proposées."))


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


def _session_refusals(session):
    return _shown_on(partial(_render_agent_session, session))


def _to_session(session, message: str):
    return saved(message, url_for("agent_commission.session", session_id=session.id), 303)


def _session_action(session, action, success: str):
    with _session_refusals(session):
        action()
    return _to_session(session, success)


@agent_commission_bp.route("/seances/<int:session_id>/ordre-du-jour", methods=["POST"])
@requires(policies.can_manage_commission)
def add_to_agenda(session_id: int):
    session = _agent_session(session_id)
    with _session_refusals(session):
        dossier = db.session.get(Dossier, validated(schemas.AgendaSchema())["dossier_id"])
        if dossier is None:
            raise InvalidForm(_unknown_choice("dossier_id"))
        services.put_on_agenda(current_user, session, dossier)
    return _to_session(
        session, _("Dossier inscrit à l'ordre du jour ; conflits d'intérêts vérifiés.")
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
    with _session_refusals(session):
        present = set(validated(schemas.AttendanceSchema())["present"])
        services.record_attendance(current_user, session, present)
    return _to_session(session, _("Présences enregistrées."))


@agent_commission_bp.route("/seances/<int:session_id>/reconvocation", methods=["POST"])
@requires(policies.can_manage_commission)
def reconvene(session_id: int):
    session = _agent_session(session_id)
    with _session_refusals(session):
        held_at = validated(schemas.ReconveneSchema())["held_at"]
        new = services.reconvene(current_user, session, held_at=held_at)
    return _to_session(new, _("Séance reconvoquée : elle pourra délibérer sans quorum."))


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
