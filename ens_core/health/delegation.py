"""Delegation: guardians of minors and of protected adults (tutelle, curatelle).

Guardianship of a minor ends at 18, computed from the birth date on every check (no
scheduled job to forget). From 15 (digital majority) the minor can hide chosen services
and documents from the guardian, who then never sees them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ens_core.accounts.models import User
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.health.models import GuardianHiding, Guardianship, GuardianshipKind

MAJORITY = 18
DIGITAL_MAJORITY = 15


class DelegationError(ValueError):
    pass


def age_on(birth_date: date | None, on: date) -> int | None:
    if birth_date is None:
        return None
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _today(on) -> date:
    if on is None:
        return utcnow().date()
    return on.date() if hasattr(on, "date") and callable(on.date) else on


def link_is_active(link: Guardianship, on: date | None = None) -> bool:
    today = _today(on)
    if link.ended_at is not None and link.ended_at.date() <= today:
        return False
    if link.ends_on is not None and link.ends_on <= today:
        return False
    if link.kind is GuardianshipKind.MINOR:
        age = age_on(link.ward.birth_date, today)
        if age is None or age >= MAJORITY:
            return False
    return True


def active_link(guardian, citizen, on: date | None = None) -> Guardianship | None:
    if guardian is None or citizen is None or guardian.id == citizen.id:
        return None
    links = db.session.scalars(
        select(Guardianship).where(
            Guardianship.guardian_id == guardian.id, Guardianship.ward_id == citizen.id
        )
    )
    for link in links:
        if link_is_active(link, on):
            return link
    return None


def can_act_for(guardian, citizen, on: date | None = None) -> bool:
    """True when ``guardian`` may act for ``citizen`` on day ``on`` (default today)."""
    return active_link(guardian, citizen, on) is not None


def wards_of(guardian, on: date | None = None) -> list[User]:
    links = db.session.scalars(select(Guardianship).where(Guardianship.guardian_id == guardian.id))
    seen, wards = set(), []
    for link in links:
        if link_is_active(link, on) and link.ward_id not in seen:
            seen.add(link.ward_id)
            wards.append(link.ward)
    return wards


def guardians_of(ward, on: date | None = None) -> list[Guardianship]:
    links = db.session.scalars(select(Guardianship).where(Guardianship.ward_id == ward.id))
    return [link for link in links if link_is_active(link, on)]


def link_guardian(
    agent,
    guardian: User,
    ward: User,
    kind: GuardianshipKind,
    *,
    reference: str | None = None,
    ends_on: date | None = None,
    on: date | None = None,
) -> Guardianship:
    """An agent links ``guardian`` to ``ward`` (after checking the supporting papers)."""
    today = _today(on)
    if guardian.id == ward.id:
        raise DelegationError("self")
    age = age_on(ward.birth_date, today)
    if kind is GuardianshipKind.MINOR and (age is None or age >= MAJORITY):
        raise DelegationError("not_minor")
    if kind is not GuardianshipKind.MINOR and (age is None or age < MAJORITY):
        raise DelegationError("not_adult")
    if active_link(guardian, ward, today) is not None:
        raise DelegationError("exists")
    link = Guardianship(
        guardian_id=guardian.id,
        ward_id=ward.id,
        kind=kind,
        reference=reference,
        ends_on=ends_on,
        created_by_id=getattr(agent, "id", None),
    )
    db.session.add(link)
    db.session.flush()
    record_event(agent, "guardianship.linked", "guardianship", link.id, kind=kind.value)
    return link


def end_link(agent, link: Guardianship) -> None:
    if link.ended_at is None:
        link.ended_at = utcnow()
        db.session.flush()
        record_event(agent, "guardianship.ended", "guardianship", link.id)


def can_hide_from_guardian(ward, on: date | None = None) -> bool:
    """A minor of 15 or more, with at least one guardian, may hide things from them."""
    age = age_on(ward.birth_date, _today(on))
    return age is not None and DIGITAL_MAJORITY <= age < MAJORITY


def set_hidden_from_guardian(
    ward, *, service_id: int | None = None, document_id: int | None = None, hidden: bool
) -> None:
    if not can_hide_from_guardian(ward):
        raise DelegationError("too_young")
    if (service_id is None) == (document_id is None):
        raise ValueError("one of service_id or document_id")
    row = db.session.scalar(
        select(GuardianHiding).where(
            GuardianHiding.ward_id == ward.id,
            GuardianHiding.service_id.is_(None)
            if service_id is None
            else GuardianHiding.service_id == service_id,
            GuardianHiding.document_id.is_(None)
            if document_id is None
            else GuardianHiding.document_id == document_id,
        )
    )
    if hidden and row is None:
        db.session.add(
            GuardianHiding(ward_id=ward.id, service_id=service_id, document_id=document_id)
        )
    elif not hidden and row is not None:
        db.session.delete(row)
    db.session.flush()


def hidden_from_guardian(ward) -> tuple[set[int], set[int]]:
    """(service ids, document ids) the ward hides from guardians."""
    rows = db.session.scalars(select(GuardianHiding).where(GuardianHiding.ward_id == ward.id))
    services, documents = set(), set()
    for row in rows:
        if row.service_id:
            services.add(row.service_id)
        if row.document_id:
            documents.add(row.document_id)
    return services, documents
