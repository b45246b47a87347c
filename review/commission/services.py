"""Commission services: mandates, declarations, conflicts, sessions, quorum, votes.

Services flush, never commit; the acting user is explicit. Errors a user can fix are
raised as :class:`CommissionError` with a French message the views show.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from catalogue.services import get_service, owners_on
from ens_core.accounts.models import Role
from ens_core.accounts.services import grant_role
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.i18n import local_datetime
from ens_core.notifications.services import notify
from review.commission.matching import normalise_name, normalise_siren
from review.commission.models import (
    AgendaItem,
    Attendance,
    College,
    CommissionSession,
    ConflictStatus,
    Declaration,
    DeclarationLink,
    ItemComment,
    ItemStatus,
    Mandate,
    Member,
    PotentialConflict,
    Recusal,
    RecusalOrigin,
    SessionStatus,
    Vote,
    VoteChoice,
)
from review.commission.policies import sitting_refusal, vote_refusal
from review.commission.queries import member_of, present_member_ids
from review.dossiers.lifecycle import transition
from review.dossiers.models import Dossier, DossierState

MIN_MANDATE_YEARS = 2
MAX_MANDATE_YEARS = 4
DEFAULT_MANDATE_YEARS = 2
MAX_CONSECUTIVE = 2
# A new term starting less than this after the previous one ended is "consecutive".
CONSECUTIVE_GAP = relativedelta(years=2)
CONFLICT_LOOKBACK = relativedelta(years=5)
PUBLIC_AFTER_MANDATE = relativedelta(years=5)
# Most reserved first: breaks a tie the presiding co-chair's vote cannot break.
# How long a vote's recap page stays valid (seconds).
BALLOT_MAX_AGE = 3600
PRECAUTION_ORDER = [
    VoteChoice.UNFAVOURABLE,
    VoteChoice.FAVOURABLE_SUSPENSIVE,
    VoteChoice.FAVOURABLE_NON_SUSPENSIVE,
    VoteChoice.FAVOURABLE,
]


class CommissionError(ValueError):
    """A refusal with a reason the user can read (and a form field when relevant)."""

    def __init__(self, message: str, field: str = "_schema"):
        super().__init__(message)
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- members


def get_member(member_id: int) -> Member | None:
    return db.session.get(Member, member_id)


def all_members() -> list[Member]:
    return list(db.session.scalars(select(Member).order_by(Member.id)))


def members_with_mandate_on(on: date) -> list[Member]:
    return [m for m in all_members() if m.mandate_on(on) is not None]


def ensure_member(actor, user) -> Member:
    member = member_of(user)
    if member is None:
        member = Member(user_id=user.id)
        db.session.add(member)
        db.session.flush()
    grant_role(user, Role.COMMISSIONER)
    return member


def add_mandate(
    actor,
    member: Member,
    *,
    college: College,
    starts_on: date,
    ends_on: date | None = None,
) -> Mandate:
    """Open a term: 2 to 4 years (default 2), no overlap, at most 2 consecutive terms."""
    ends_on = ends_on or (starts_on + relativedelta(years=DEFAULT_MANDATE_YEARS, days=-1))
    if ends_on < starts_on + relativedelta(years=MIN_MANDATE_YEARS, days=-1) or ends_on > (
        starts_on + relativedelta(years=MAX_MANDATE_YEARS, days=-1)
    ):
        raise CommissionError(
            _("Un mandat dure de 2 à 4 ans : choisissez une date de fin en conséquence."),
            "ends_on",
        )
    previous = [m for m in member.mandates if m.id is not None]
    _check_no_overlap(previous, starts_on, ends_on)
    consecutive = _consecutive_number(previous, starts_on)
    mandate = Mandate(
        college=college,
        starts_on=starts_on,
        ends_on=ends_on,
        consecutive_number=consecutive,
        created_by_id=getattr(actor, "id", None),
    )
    member.mandates.append(mandate)
    db.session.flush()
    record_event(
        actor,
        "commission.mandate",
        "commission_member",
        member.id,
        college=str(college),
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        consecutive=consecutive,
    )
    return mandate


def _check_no_overlap(previous: list[Mandate], starts_on: date, ends_on: date) -> None:
    for mandate in previous:
        if mandate.starts_on <= ends_on and starts_on <= mandate.ends_on:
            raise CommissionError(
                _(
                    "Ce mandat chevauche le mandat en cours du %(start)s au %(end)s.",
                    start=mandate.starts_on.strftime("%d/%m/%Y"),
                    end=mandate.ends_on.strftime("%d/%m/%Y"),
                ),
                "starts_on",
            )


def _consecutive_number(previous: list[Mandate], starts_on: date) -> int:
    """1 for a first term or one after a gap; refused beyond the second in a row."""
    before = [m for m in previous if m.ends_on < starts_on]
    if not before:
        return 1
    last = max(before, key=lambda m: m.ends_on)
    if starts_on >= last.ends_on + CONSECUTIVE_GAP:
        return 1
    if last.consecutive_number + 1 > MAX_CONSECUTIVE:
        raise CommissionError(
            _(
                "Refusé : ce serait un troisième mandat consécutif ; un membre exerce au plus "
                "deux mandats consécutifs. Un nouveau mandat est possible à partir du %(date)s.",
                date=(last.ends_on + CONSECUTIVE_GAP).strftime("%d/%m/%Y"),
            ),
            "starts_on",
        )
    return last.consecutive_number + 1


def end_mandate_early(actor, mandate: Mandate, *, on: date, reason: str) -> None:
    """Resignation or revocation: the term ends on ``on`` (kept in the history)."""
    if not mandate.starts_on <= on <= mandate.ends_on:
        raise CommissionError(_("La date de fin doit tomber pendant le mandat."), "ends_on")
    mandate.ends_on = on
    record_event(
        actor,
        "commission.mandate_ended",
        "commission_member",
        mandate.member_id,
        on=on.isoformat(),
        reason=reason,
    )
    db.session.flush()


# ---------------------------------------------------------------------- declarations


def file_declaration(
    member: Member, links: list[dict], *, statement: str = "", now=None
) -> Declaration:
    """File a new version; earlier versions stay unchanged (public and diffable)."""
    now = now or utcnow()
    version = (member.latest_declaration.version + 1) if member.declarations else 1
    declaration = Declaration(version=version, filed_at=now, statement=statement.strip())
    for data in links:
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            raise CommissionError(_("La date de fin précède la date de début."), "links")
        declaration.links.append(
            DeclarationLink(
                section=data["section"],
                organisation_name=data["organisation_name"].strip(),
                organisation_siren=normalise_siren(data.get("organisation_siren")) or None,
                sector=data["sector"],
                nature=data["nature"].strip(),
                starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"),
                amount_eur=data.get("amount_eur"),
            )
        )
    member.declarations.append(declaration)
    db.session.flush()
    flagged = excluded_sector_links(member, declaration)
    if flagged:
        for chair in co_chairs_on(now.date()):
            if chair.id == member.id:
                continue
            notify(
                chair.user,
                "commission.excluded_sector",
                _("Lien avec un secteur exclu déclaré par %(name)s", name=member.name),
                "\n".join(link.describe() for link in flagged),
                f"/commission/membres/{member.id}/declaration",
            )
    return declaration


def _overlaps(link: DeclarationLink, start: date, end: date) -> bool:
    return (link.starts_on is None or link.starts_on <= end) and (
        link.ends_on is None or link.ends_on >= start
    )


def excluded_sector_links(
    member: Member, declaration: Declaration | None = None
) -> list[DeclarationLink]:
    """Links to pharma/medtech or large IT groups that overlap one of the member's terms."""
    declaration = declaration or member.latest_declaration
    if declaration is None:
        return []
    return [
        link
        for link in declaration.links
        if link.sector.excluded
        and any(_overlaps(link, m.starts_on, m.ends_on) for m in member.mandates)
    ]


def co_chairs_on(on: date) -> list[Member]:
    return [m for m in members_with_mandate_on(on) if m.mandate_on(on).college is College.CO_CHAIR]


def declaration_is_public(member: Member, on: date | None = None) -> bool:
    """Public during a term and 5 years after its end."""
    on = on or date.today()
    return any(m.starts_on <= on <= m.ends_on + PUBLIC_AFTER_MANDATE for m in member.mandates)


def declaration_diff(old: Declaration | None, new: Declaration) -> list[tuple[str, str]]:
    """Lines of ``new`` against ``old``: ("+", line) added, ("-", line) removed, (" ", …)."""
    before = [link.describe() for link in old.links] if old else []
    after = [link.describe() for link in new.links]
    if old and old.statement != new.statement:
        before.append(_("Observations : %(text)s", text=old.statement))
        after.append(_("Observations : %(text)s", text=new.statement))
    lines = []
    for line in difflib.ndiff(before, after):
        tag = line[:1]
        if tag in "+- ":
            lines.append((tag, line[2:]))
    return lines


# ------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class Target:
    name: str
    siren: str
    kind: str  # organisation | owner | parent_group


def dossier_targets(dossier: Dossier, on: date) -> list[Target]:
    """The dossier's organisation and its controlling owners (with their parent group)."""
    organisation = dossier_service(dossier).organisation
    targets = [Target(organisation.legal_name, normalise_siren(organisation.siren), "organisation")]
    for owner in owners_on(organisation, on):
        targets.append(Target(owner.entity_name, normalise_siren(owner.entity_siren), "owner"))
        if owner.parent_group:
            targets.append(Target(owner.parent_group, "", "parent_group"))
    return targets


def dossier_service(dossier: Dossier):
    return get_service(dossier.service_id)


def match_link(link: DeclarationLink, targets: list[Target]) -> tuple[str, Target] | None:
    siren = normalise_siren(link.organisation_siren)
    name = normalise_name(link.organisation_name)
    for target in targets:
        if siren and target.siren and siren == target.siren:
            return "siren", target
    for target in targets:
        if name and normalise_name(target.name) == name:
            return ("parent_group" if target.kind == "parent_group" else "name"), target
    return None


def detect_conflicts(item: AgendaItem) -> list[PotentialConflict]:
    """Compare each sitting member's declared links of the past 5 years with the dossier's
    organisation and owners; new matches become potential conflicts for the chair."""
    on = item.session.held_on
    since = on - CONFLICT_LOOKBACK
    targets = dossier_targets(item.dossier, on)
    existing = {(c.member_id, c.link_id) for c in item.conflicts}
    found = []
    for member in members_with_mandate_on(on):
        declaration = member.latest_declaration
        if declaration is None:
            continue
        for link in declaration.links:
            if not _overlaps(link, since, on) or (member.id, link.id) in existing:
                continue
            match = match_link(link, targets)
            if match is None:
                continue
            matched_on, target = match
            conflict = PotentialConflict(
                member_id=member.id,
                link_id=link.id,
                matched_on=matched_on,
                matched_entity=target.name,
            )
            item.conflicts.append(conflict)
            existing.add((member.id, link.id))
            found.append(conflict)
    db.session.flush()
    if found:
        chair = item.session.presiding_member
        notify(
            chair.user,
            "commission.conflict",
            _("Conflits d'intérêts potentiels à examiner"),
            _(
                "%(count)s lien(s) déclaré(s) concernent le dossier de %(service)s, à "
                "l'ordre du jour de la séance « %(title)s ».",
                count=len(found),
                service=dossier_service(item.dossier).name,
                title=item.session.title,
            ),
            f"/commission/seances/{item.session_id}/conflits",
        )
    return found


def decide_conflict(actor, conflict: PotentialConflict, *, confirm: bool, reason: str) -> None:
    """The chair confirms (the member is recused) or dismisses with a written reason."""
    if conflict.status is not ConflictStatus.POTENTIAL:
        raise CommissionError(_("Ce conflit a déjà été examiné."))
    if conflict.item.status not in (ItemStatus.PENDING,):
        raise CommissionError(_("La délibération sur ce point est déjà ouverte ou close."))
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise CommissionError(_("Écarter un conflit potentiel exige un motif écrit."), "reason")
    conflict.status = ConflictStatus.CONFIRMED if confirm else ConflictStatus.DISMISSED
    conflict.decision_reason = reason
    conflict.decided_by_id = actor.id
    conflict.decided_at = utcnow()
    if confirm:
        _recuse(
            conflict.item,
            conflict.member,
            RecusalOrigin.CONFLICT,
            reason or _("Lien déclaré avec %(entity)s", entity=conflict.matched_entity),
            actor,
        )
    db.session.flush()


def _recuse(item: AgendaItem, member: Member, origin: RecusalOrigin, reason: str, actor) -> Recusal:
    for recusal in item.recusals:
        if recusal.member_id == member.id:
            return recusal
    recusal = Recusal(
        member_id=member.id, origin=origin, reason=reason, recorded_by_id=getattr(actor, "id", None)
    )
    item.recusals.append(recusal)
    db.session.flush()
    record_event(
        actor, "commission.recusal", "agenda_item", item.id, member=member.id, origin=str(origin)
    )
    return recusal


def recuse_self(member: Member, item: AgendaItem, *, reason: str) -> Recusal:
    if item.status in (ItemStatus.CLOSED, ItemStatus.POSTPONED, ItemStatus.WITHDRAWN):
        raise CommissionError(_("Ce point n'est plus en délibération."))
    if any(v.member_id == member.id for v in item.votes):
        raise CommissionError(_("Vous avez déjà voté sur ce point."))
    return _recuse(item, member, RecusalOrigin.SELF, (reason or "").strip(), member.user)


# -------------------------------------------------------------------------- sessions


def get_session(session_id: int) -> CommissionSession | None:
    return db.session.get(CommissionSession, session_id)


def get_item(item_id: int) -> AgendaItem | None:
    return db.session.get(AgendaItem, item_id)


def session_titled(title: str) -> CommissionSession | None:
    return db.session.scalar(select(CommissionSession).where(CommissionSession.title == title))


def list_sessions() -> list[CommissionSession]:
    return list(
        db.session.scalars(select(CommissionSession).order_by(CommissionSession.held_at.desc()))
    )


def create_session(
    actor,
    *,
    title: str,
    held_at: datetime,
    presiding: Member,
    location: str = "",
    reconvened_from: CommissionSession | None = None,
) -> CommissionSession:
    mandate = presiding.mandate_on(held_at.date())
    if mandate is None or mandate.college is not College.CO_CHAIR:
        raise CommissionError(
            _("La séance est présidée par un coprésident en mandat à la date de la séance."),
            "presiding_member_id",
        )
    session = CommissionSession(
        title=title.strip(),
        held_at=held_at,
        location=location.strip(),
        presiding_member_id=presiding.id,
        created_by_id=actor.id,
        reconvened_from_id=reconvened_from.id if reconvened_from else None,
    )
    db.session.add(session)
    db.session.flush()
    record_event(actor, "commission.session", "commission_session", session.id, title=session.title)
    return session


def schedulable_dossiers() -> list[Dossier]:
    return list(
        db.session.scalars(
            select(Dossier).where(Dossier.state == DossierState.EVALUATED).order_by(Dossier.id)
        )
    )


def put_on_agenda(actor, session: CommissionSession, dossier: Dossier) -> AgendaItem:
    """Schedule an evaluated dossier; runs the conflict detection at once."""
    if session.status is SessionStatus.CLOSED:
        raise CommissionError(_("La séance est close."))
    if dossier.state is not DossierState.EVALUATED:
        raise CommissionError(
            _("Seuls les dossiers évalués peuvent être inscrits à l'ordre du jour."), "dossier_id"
        )
    transition(
        dossier,
        DossierState.SCHEDULED,
        actor=actor,
        comment=_("Inscrit à la séance « %(title)s »", title=session.title),
    )
    return _add_item(session, dossier)


def _add_item(session: CommissionSession, dossier: Dossier) -> AgendaItem:
    item = next((i for i in session.items if i.dossier_id == dossier.id), None)
    if item is not None:  # taken off earlier, put back
        item.status = ItemStatus.PENDING
        db.session.flush()
        detect_conflicts(item)
        return item
    item = AgendaItem(dossier_id=dossier.id, position=len(session.items) + 1)
    session.items.append(item)
    db.session.flush()
    db.session.refresh(item)
    detect_conflicts(item)
    return item


def withdraw_from_agenda(actor, item: AgendaItem) -> None:
    if item.status is not ItemStatus.PENDING:
        raise CommissionError(_("Seul un point non encore délibéré peut être retiré."))
    item.status = ItemStatus.WITHDRAWN
    transition(
        item.dossier, DossierState.EVALUATED, actor=actor, comment=_("Retiré de l'ordre du jour")
    )


def convene(actor, session: CommissionSession) -> int:
    """Send the convocation to every member with a term on the session's date; it names
    each service on the agenda."""
    count = 0
    agenda_names = ", ".join(
        dossier_service(i.dossier).name
        for i in session.items
        if i.status is not ItemStatus.WITHDRAWN
    ) or _("aucun dossier pour l'instant")
    for member in members_with_mandate_on(session.held_on):
        notify(
            member.user,
            "commission.convocation",
            _("Convocation : %(title)s", title=session.title),
            _(
                "Séance du %(date)s (heure de Paris). À l'ordre du jour : %(services)s.",
                date=local_datetime(session.held_at),
                services=agenda_names,
            ),
            f"/commission/seances/{session.id}",
        )
        count += 1
    session.convened_at = utcnow()
    record_event(actor, "commission.convene", "commission_session", session.id, members=count)
    db.session.flush()
    return count


def record_attendance(actor, session: CommissionSession, present_ids: set[int]) -> None:
    """The chair (or the secretariat) records who is present; only members who may sit."""
    if session.status is SessionStatus.CLOSED:
        raise CommissionError(_("La séance est close."))
    members = {m.id: m for m in members_with_mandate_on(session.held_on)}
    unknown = present_ids - set(members)
    if unknown:
        raise CommissionError(_("Seuls les membres en mandat peuvent être présents."), "present")
    for member_id in present_ids:
        refusal = sitting_refusal(members[member_id], session)
        if refusal:
            raise CommissionError(f"{members[member_id].name} : {refusal}", "present")
    rows = {a.member_id: a for a in session.attendance}
    for member_id in members:
        row = rows.get(member_id)
        if row is None:
            row = Attendance(member_id=member_id)
            session.attendance.append(row)
        row.present = member_id in present_ids
        row.recorded_by_id = actor.id
        row.recorded_at = utcnow()
    db.session.flush()


@dataclass(frozen=True)
class Quorum:
    eligible: int
    present: int
    required: int

    @property
    def met(self) -> bool:
        return self.present >= self.required


def quorum_for(item: AgendaItem) -> Quorum:
    """At least half of the members in office, minus those recused on the item, present."""
    on = item.session.held_on
    recused = item.recused_member_ids
    eligible = {m.id for m in members_with_mandate_on(on)} - recused
    present = present_member_ids(item.session) & eligible
    required = (len(eligible) + 1) // 2
    return Quorum(len(eligible), len(present), required)


def open_deliberation(actor, item: AgendaItem) -> bool:
    """Check quorum: open the vote, or postpone the item; returns True when open.

    A reconvened session deliberates even without quorum (recorded on the item)."""
    if item.status is not ItemStatus.PENDING:
        raise CommissionError(_("Ce point n'est pas en attente de délibération."))
    if any(c.status is ConflictStatus.POTENTIAL for c in item.conflicts):
        raise CommissionError(
            _("La présidence doit d'abord confirmer ou écarter chaque conflit potentiel.")
        )
    quorum = quorum_for(item)
    item.eligible_count, item.present_count, item.quorum_met = (
        quorum.eligible,
        quorum.present,
        quorum.met,
    )
    item.opened_at = utcnow()
    if quorum.met or (item.session.is_reconvened and is_carried_over(item)):
        item.without_quorum = not quorum.met
        item.status = ItemStatus.VOTING
        db.session.flush()
        return True
    item.status = ItemStatus.POSTPONED
    db.session.flush()
    record_event(
        actor,
        "commission.postponed",
        "agenda_item",
        item.id,
        present=quorum.present,
        required=quorum.required,
    )
    return False


def is_carried_over(item: AgendaItem) -> bool:
    """Was this item postponed to here from a session that lacked quorum?"""
    return (
        db.session.scalar(select(AgendaItem.id).where(AgendaItem.postponed_to_id == item.id))
        is not None
    )


def reconvene(
    actor, session: CommissionSession, *, held_at: datetime, title: str = ""
) -> CommissionSession:
    """A new session for the items postponed for want of quorum (recusals carried over)."""
    postponed = [
        i for i in session.items if i.status is ItemStatus.POSTPONED and i.postponed_to_id is None
    ]
    if not postponed:
        raise CommissionError(_("Aucun point n'a été reporté faute de quorum."))
    if held_at <= session.held_at:
        raise CommissionError(_("La séance reconvoquée doit suivre la séance initiale."), "held_at")
    new = create_session(
        actor,
        title=title or _("%(title)s (reconvocation)", title=session.title),
        held_at=held_at,
        presiding=session.presiding_member,
        location=session.location,
        reconvened_from=session,
    )
    for old in postponed:
        item = _add_item(new, old.dossier)
        for recusal in old.recusals:
            _recuse(item, recusal.member, recusal.origin, recusal.reason, actor)
        for conflict in item.conflicts:
            previous = next((c for c in old.conflicts if c.link_id == conflict.link_id), None)
            if previous is not None and previous.status is not ConflictStatus.POTENTIAL:
                conflict.status = previous.status
                conflict.decision_reason = previous.decision_reason
                conflict.decided_by_id = previous.decided_by_id
                conflict.decided_at = previous.decided_at
        old.postponed_to_id = item.id
    db.session.flush()
    return new


# ----------------------------------------------------------------------------- votes


@dataclass(frozen=True)
class PreparedVote:
    """A vote checked and ready to cast, not stored: what the recap page shows."""

    item_id: int
    member_id: int
    choice: VoteChoice
    reservations: str


def prepare_vote(
    member: Member, item: AgendaItem, choice: VoteChoice, reservations: str = ""
) -> PreparedVote:
    """Check a vote as :func:`cast_vote` would, without storing anything."""
    refusal = vote_refusal(member, item)
    if refusal:
        raise CommissionError(refusal)
    reservations = (reservations or "").strip()
    if choice.needs_reservations and not reservations:
        raise CommissionError(_("Précisez le texte des réserves."), "reservations")
    if not choice.needs_reservations:
        reservations = ""
    return PreparedVote(item.id, member.id, choice, reservations)


def _ballot_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="commission.vote")


def seal_vote(prepared: PreparedVote) -> str:
    """The prepared vote, signed, for the recap page's hidden field (nothing is stored
    until the member confirms)."""
    return _ballot_serializer().dumps(
        {
            "item": prepared.item_id,
            "member": prepared.member_id,
            "choice": prepared.choice.value,
            "reservations": prepared.reservations,
        }
    )


def unseal_vote(token: str, member: Member, item: AgendaItem) -> PreparedVote:
    """The vote a recap page carried, checked again; refused when the signature is wrong,
    older than :data:`BALLOT_MAX_AGE` seconds, or made for another member or item."""
    try:
        data = _ballot_serializer().loads(token or "", max_age=BALLOT_MAX_AGE)
        choice = VoteChoice(data["choice"])
        valid = data["item"] == item.id and data["member"] == member.id
    except SignatureExpired as error:
        raise CommissionError(
            _("Ce récapitulatif a expiré : préparez votre vote à nouveau.")
        ) from error
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise CommissionError(_("Récapitulatif de vote invalide : préparez votre vote.")) from error
    if not valid:
        raise CommissionError(_("Récapitulatif de vote invalide : préparez votre vote."))
    return prepare_vote(member, item, choice, str(data.get("reservations") or ""))


def cast_vote(
    member: Member, item: AgendaItem, choice: VoteChoice, reservations: str = ""
) -> Vote | None:
    """Store the member's vote once; returns None when a vote was already stored (a double
    submission, even concurrent, keeps the first one)."""
    reservations = prepare_vote(member, item, choice, reservations).reservations
    try:
        with db.session.begin_nested():
            vote = Vote(
                item_id=item.id, member_id=member.id, choice=choice, reservations=reservations
            )
            db.session.add(vote)
            db.session.flush()
    except IntegrityError:
        return None
    except OperationalError as error:
        # SQLite only: a simultaneous writer holds the database; PostgreSQL waits instead
        # and reports the duplicate as an IntegrityError above.
        if db.session.get_bind().dialect.name != "sqlite":
            raise
        raise CommissionError(
            _("Un autre vote est en cours d'enregistrement pour ce point : rechargez la page.")
        ) from error
    return vote


def record_evidence_download(actor, item: AgendaItem, evidence) -> None:
    """The audit trail keeps who downloaded which piece of evidence, from which item."""
    record_event(
        actor,
        "commission.evidence_downloaded",
        "dossier",
        item.dossier_id,
        item=item.id,
        evidence=evidence.id,
        name=evidence.original_name,
        sha256=evidence.sha256,
    )


def add_comment(member: Member, item: AgendaItem, body: str) -> ItemComment:
    body = (body or "").strip()
    if not body:
        raise CommissionError(_("Ce champ est obligatoire."), "body")
    if item.status in (ItemStatus.CLOSED, ItemStatus.WITHDRAWN):
        raise CommissionError(_("Ce point n'est plus en délibération."))
    comment = ItemComment(item_id=item.id, member_id=member.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


@dataclass
class Tally:
    counts: dict[VoteChoice, int]
    abstentions: int
    opinion: VoteChoice | None
    tie_broken_by_chair: bool
    reservations: list[str]


def tally(item: AgendaItem) -> Tally:
    """Most votes cast wins (abstentions are not cast); a tie goes to the presiding
    co-chair's vote, or, when that vote does not break it, to the most reserved choice."""
    cast = [v for v in item.votes if v.choice is not VoteChoice.ABSTAIN]
    counts = Counter(v.choice for v in cast)
    abstentions = len(item.votes) - len(cast)
    opinion, by_chair = None, False
    if counts:
        top = max(counts.values())
        leaders = [c for c, n in counts.items() if n == top]
        if len(leaders) == 1:
            opinion = leaders[0]
        else:
            chair_vote = next(
                (v for v in cast if v.member_id == item.session.presiding_member_id), None
            )
            if chair_vote is not None and chair_vote.choice in leaders:
                opinion, by_chair = chair_vote.choice, True
            else:
                opinion = next(c for c in PRECAUTION_ORDER if c in leaders)
    reservations = [v.reservations for v in cast if v.choice.needs_reservations and v.reservations]
    ordered = {c: counts.get(c, 0) for c in VoteChoice if c is not VoteChoice.ABSTAIN}
    return Tally(ordered, abstentions, opinion, by_chair, reservations)


def close_item(actor, item: AgendaItem) -> VoteChoice:
    """Record the opinion and move the dossier to ``opinion_given``."""
    if item.status is not ItemStatus.VOTING:
        raise CommissionError(_("Le vote n'est pas ouvert sur ce point."))
    result = tally(item)
    if result.opinion is None:
        raise CommissionError(_("Aucun suffrage exprimé : l'avis ne peut pas être rendu."))
    item.opinion = result.opinion
    item.tie_broken_by_chair = result.tie_broken_by_chair
    if result.opinion.needs_reservations:
        texts = [
            v.reservations for v in item.votes if v.choice is result.opinion and v.reservations
        ]
        item.opinion_reservations = "\n".join(dict.fromkeys(texts))  # each text once
    item.status = ItemStatus.CLOSED
    item.closed_at = utcnow()
    transition(
        item.dossier, DossierState.OPINION_GIVEN, actor=actor, comment=str(result.opinion.label)
    )
    record_event(actor, "commission.opinion", "agenda_item", item.id, opinion=str(result.opinion))
    db.session.flush()
    return result.opinion


def close_session(actor, session: CommissionSession) -> None:
    open_items = [i for i in session.items if i.status in (ItemStatus.PENDING, ItemStatus.VOTING)]
    if open_items:
        raise CommissionError(_("Tous les points doivent être délibérés, reportés ou retirés."))
    session.status = SessionStatus.CLOSED
    session.closed_at = utcnow()
    db.session.flush()


def opinion_of(dossier: Dossier) -> AgendaItem | None:
    """The closed agenda item carrying the commission's opinion on ``dossier``."""
    return db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.dossier_id == dossier.id, AgendaItem.status == ItemStatus.CLOSED)
        .order_by(AgendaItem.closed_at.desc())
        .limit(1)
    )
