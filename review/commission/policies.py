"""Who may sit, see a dossier, vote, chair. Used by views and tests alike.

Each ``..._refusal`` returns the reason in French (or "" when allowed); the ``can_...``
forms answer a boolean. Deny by default.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ens_core.accounts.policies import can_use_agent_portal, can_use_commission_portal
from review.commission.models import (
    AgendaItem,
    College,
    CommissionSession,
    ItemStatus,
    Member,
    SessionStatus,
)
from review.commission.queries import (
    declaration_status,
    is_on_agenda,
    is_recused,
    member_of,
    present_member_ids,
)


def _member(user_or_member) -> Member | None:
    if isinstance(user_or_member, Member):
        return user_or_member
    if not can_use_commission_portal(user_or_member):
        return None
    return member_of(user_or_member)


def has_valid_mandate(member: Member | None, on: date | None = None) -> bool:
    return member is not None and member.mandate_on(on or date.today()) is not None


def sitting_refusal(
    member: Member | None, session: CommissionSession, on: date | None = None
) -> str:
    if member is None:
        return _("Vous n'êtes pas membre de la commission.")
    day = session.held_on
    if member.mandate_on(day) is None:
        return _("Pas de mandat en cours à la date de la séance.")
    status = declaration_status(member, on or day)
    if status == "missing":
        return _("Déclaration d'intérêts à déposer avant de siéger.")
    if status == "stale":
        return _("Déclaration d'intérêts de plus de 12 mois : mettez-la à jour pour siéger.")
    return ""


def can_sit(member, session: CommissionSession, on: date | None = None) -> bool:
    """A valid mandate on the session's date and a declaration less than 12 months old."""
    return not sitting_refusal(_member(member), session, on)


def can_see_agenda(user_or_member, on: date | None = None) -> bool:
    return has_valid_mandate(_member(user_or_member), on)


def can_see_session(user_or_member, session: CommissionSession) -> bool:
    """Members in office (today or on the session's date) see the agenda of a session."""
    member = _member(user_or_member)
    return has_valid_mandate(member) or has_valid_mandate(member, session.held_on)


def can_see_dossier(user_or_member, dossier) -> bool:
    """A member in office, the dossier on an agenda, and not recused on it."""
    member = _member(user_or_member)
    if member is None or not can_see_agenda(member):
        return False
    return is_on_agenda(dossier.id) and not is_recused(member, dossier.id)


def can_see_item(user_or_member, item: AgendaItem) -> bool:
    return can_see_dossier(user_or_member, item.dossier) and can_see_session(
        user_or_member, item.session
    )


def can_use_dossier_pages(user) -> bool:
    """Who may reach the dossier pages of an agenda item at all: members and agents (each
    item then asks :func:`can_read_dossier`)."""
    return can_use_commission_portal(user) or can_use_agent_portal(user)


def _is_agent(user_or_member) -> bool:
    return not isinstance(user_or_member, Member) and can_use_agent_portal(user_or_member)


def can_read_dossier(user_or_member, dossier) -> bool:
    """The member's dossier view (answers, evidence, evaluation, hosting, scores): agents
    of the authority, or a member in office, the dossier on an agenda, not recused."""
    return _is_agent(user_or_member) or can_see_dossier(user_or_member, dossier)


def can_read_item_dossier(user_or_member, item: AgendaItem) -> bool:
    """The dossier of an agenda item, reached from that item: :func:`can_read_dossier`,
    and for a member, the item's session too."""
    return can_read_dossier(user_or_member, item.dossier) and (
        _is_agent(user_or_member) or can_see_session(user_or_member, item.session)
    )


def vote_refusal(member: Member | None, item: AgendaItem) -> str:
    if member is None:
        return _("Vous n'êtes pas membre de la commission.")
    if item.status is not ItemStatus.VOTING:
        return _("Le vote n'est pas ouvert sur ce point.")
    if member.id in item.recused_member_ids:
        return _("Vous êtes déporté sur ce dossier : vous ne pouvez pas voter.")
    refusal = sitting_refusal(member, item.session)
    if refusal:
        return refusal
    if member.id not in present_member_ids(item.session):
        return _("Seuls les membres présents à la séance votent.")
    return ""


def can_vote(member, item: AgendaItem) -> bool:
    return not vote_refusal(_member(member), item)


def is_presiding(user_or_member, session: CommissionSession) -> bool:
    member = _member(user_or_member)
    if member is None or member.id != session.presiding_member_id:
        return False
    mandate = member.mandate_on(session.held_on)
    return mandate is not None and mandate.college is College.CO_CHAIR


def can_chair(user, session: CommissionSession) -> bool:
    """Confirm/dismiss conflicts and record attendance: the presiding co-chair."""
    return session.status is SessionStatus.PLANNED and is_presiding(user, session)


def can_manage_commission(user) -> bool:
    """Agents and administrators run the secretariat: members, sessions, minutes."""
    return can_use_agent_portal(user)
