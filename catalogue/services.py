"""Catalogue services: organisations and their members, services and their status.

Other packages call these functions rather than touching catalogue tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select

from catalogue.models import (
    DataPurpose,
    HostingDeclaration,
    MemberRole,
    Organisation,
    OrganisationMember,
    OwnerDeclaration,
    Service,
    ServiceDataUse,
    ServiceEvent,
    ServiceEventKind,
    ServiceStatus,
)
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow


def create_organisation(founder, *, legal_name: str, country: str, **fields) -> Organisation:
    organisation = Organisation(legal_name=legal_name.strip(), country=country, **fields)
    organisation.members.append(OrganisationMember(user_id=founder.id, role=MemberRole.OWNER))
    db.session.add(organisation)
    db.session.flush()
    return organisation


def find_organisation(legal_name: str) -> Organisation | None:
    """The organisation registered under ``legal_name`` (exact), or None."""
    return db.session.scalar(
        select(Organisation).where(Organisation.legal_name == legal_name.strip())
    )


def organisations_of(user) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(OrganisationMember)
            .where(OrganisationMember.user_id == user.id)
            .order_by(Organisation.legal_name)
        )
    )


def is_member(user, organisation: Organisation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(OrganisationMember.id).where(
                OrganisationMember.user_id == user.id,
                OrganisationMember.organisation_id == organisation.id,
            )
        )
        is not None
    )


def get_service(service_id: int) -> Service | None:
    return db.session.get(Service, service_id)


def get_service_by_slug(slug: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.slug == slug))


def is_operational(service: Service) -> bool:
    """May tokens be issued to / accepted from this service right now?"""
    return service.status is ServiceStatus.REFERENCED


def set_service_status(service: Service, status: ServiceStatus, *, actor, reason: str) -> None:
    """Change a service's status (suspension, reinstatement, delisting), audited."""
    previous = service.status
    service.status = status
    service.status_reason = reason
    service.status_changed_at = utcnow()
    record_event(
        actor,
        "service.status",
        "service",
        service.id,
        previous=str(previous),
        status=str(status),
        reason=reason,
    )
    db.session.flush()


def record_listing_event(
    service: Service,
    kind: ServiceEventKind,
    summary: str,
    *,
    at: datetime | None = None,
    details: dict | None = None,
    **more_details,
) -> ServiceEvent:
    """Add an entry to the listing's public history (decision, suspension, sanction…);
    ``details`` (e.g. reason, legal basis, deadline) are shown with it."""
    event = ServiceEvent(
        service_id=service.id,
        kind=kind,
        summary=summary,
        at=at or utcnow(),
        details={**(details or {}), **more_details},
    )
    db.session.add(event)
    db.session.flush()
    return event


def publish_referencing(
    service: Service,
    *,
    actor,
    decided_at: datetime,
    valid_until: date,
    data_uses: list[tuple[str, DataPurpose, int]],
    scores: dict[str, int] | None = None,
    ecoscore_value: float | None = None,
    ecoscore_grade: str | None = None,
    ecoscore_details: dict | None = None,
    summary: str = "Service référencé",
    event_kind: ServiceEventKind = ServiceEventKind.REFERENCED,
) -> None:
    """Publish a referencing decision on the listing: dates, the approved data uses
    (scope, purpose, retention in days; replacing any earlier set), public scores and
    écoscore, status referenced, and an entry in the public history."""
    service.referenced_at = decided_at
    service.valid_until = valid_until
    # Old rows go first: the unit of work would insert the new ones before deleting the
    # orphans, and (service, scope) is unique.
    service.data_uses.clear()
    db.session.flush()
    service.data_uses = [
        ServiceDataUse(scope=scope, purpose=purpose, retention_days=days)
        for scope, purpose, days in data_uses
    ]
    service.scores = dict(scores or {})
    service.ecoscore_value = ecoscore_value
    service.ecoscore_grade = ecoscore_grade
    service.ecoscore_details = dict(ecoscore_details or {})
    set_service_status(
        service, ServiceStatus.REFERENCED, actor=actor, reason="referencing decision"
    )
    record_listing_event(
        service,
        event_kind,
        summary,
        at=decided_at,
        valid_until=valid_until.isoformat(),
    )


def _in_force(model, on: date):
    return (model.effective_from <= on, or_(model.effective_to.is_(None), model.effective_to > on))


def hosting_on(service: Service, on: date | None = None) -> list[HostingDeclaration]:
    """Hosting declarations in force on ``on`` (default today)."""
    on = on or date.today()
    return list(
        db.session.scalars(
            select(HostingDeclaration)
            .where(HostingDeclaration.service_id == service.id, *_in_force(HostingDeclaration, on))
            .order_by(HostingDeclaration.id)
        )
    )


def hosting_countries(service: Service, on: date | None = None) -> list[str]:
    return sorted({h.country for h in hosting_on(service, on)})


def owners_on(organisation: Organisation, on: date | None = None) -> list[OwnerDeclaration]:
    """Controlling-owner declarations in force on ``on`` (default today)."""
    on = on or date.today()
    return list(
        db.session.scalars(
            select(OwnerDeclaration)
            .where(
                OwnerDeclaration.organisation_id == organisation.id,
                *_in_force(OwnerDeclaration, on),
            )
            .order_by(OwnerDeclaration.id)
        )
    )
