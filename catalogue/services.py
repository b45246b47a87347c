"""Catalogue services: organisations and their members, services and their status.

Other packages call these functions rather than touching catalogue tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload

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
from ens_core import signals
from ens_core.accounts.models import User
from ens_core.accounts.services import users_by_ids
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.prepared import Prepared
from ens_core.service_directory import ServiceCard
from ens_core.signals import service_status_changed


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


# The organisation comes with the service (one query): every FHIR call logs its legal name.
_WITH_ORGANISATION = (joinedload(Service.organisation),)


def get_service(service_id: int) -> Service | None:
    return db.session.get(Service, service_id, options=_WITH_ORGANISATION)


_S, _O = Service.__table__, Organisation.__table__
# Every service's card (ens_core.service_directory.ServiceCard): the columns of
# card_from_row, after the service's id.
CARDS = select(_S.c.id, _S.c.slug, _S.c.name, _S.c.status, _O.c.legal_name).join_from(
    _S, _O, _O.c.id == _S.c.organisation_id
)
# Prepared once: a token request reads it (its status is live).
_SERVICE_CARD = Prepared(CARDS.where(_S.c.id == bindparam("service")))


def card_from_row(row) -> ServiceCard:
    """The card of a row of :data:`CARDS`."""
    service_id, slug, name, status, legal_name = row
    return ServiceCard(service_id, slug, name, status, SimpleNamespace(legal_name=legal_name))


def service_card(service_id: int) -> ServiceCard | None:
    """What a token request reads of a service, in one prepared statement; None if
    unknown."""
    row = _SERVICE_CARD.first({"service": service_id})
    return card_from_row(row) if row is not None else None


def get_service_by_slug(slug: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.slug == slug))


def services_by_ids(service_ids) -> dict[int, Service]:
    """Many services at once (one query; none for a single service already loaded), by
    id; unknown ids are left out."""
    ids = set(service_ids)
    if len(ids) == 1:
        service = db.session.get(Service, next(iter(ids)))
        return {service.id: service} if service is not None else {}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(sorted(ids))))}


def is_operational(service: Service) -> bool:
    """May tokens be issued to / accepted from this service right now?"""
    return service.status is ServiceStatus.REFERENCED


def may_use_tokens(service: Service, *, sandbox: bool) -> bool:
    """May the service's clients obtain and use tokens now? Production clients need an
    operational (referenced) service; a sandbox client serves a service still in the
    referencing process too (a draft), never a suspended or delisted one."""
    if sandbox:
        return service.status in (ServiceStatus.DRAFT, ServiceStatus.REFERENCED)
    return is_operational(service)


def published_services() -> list[Service]:
    """The services that left the draft stage (referenced, suspended or delisted): those a
    citizen may report or an agent may file a complaint about, by name."""
    return list(
        db.session.scalars(
            select(Service).where(Service.status != ServiceStatus.DRAFT).order_by(Service.name)
        )
    )


def set_service_status(service: Service, status: ServiceStatus, *, actor, reason: str) -> None:
    """Change a service's status (suspension, reinstatement, delisting), audited; sends
    ``service_status_changed`` (authz keeps the production clients in line)."""
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
    signals.send(
        service_status_changed, service=service, previous=str(previous), status=str(status)
    )


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


def replace_hosting(
    service: Service, *, effective_from: date, declared_by_id: int | None, **fields
) -> HostingDeclaration:
    """A hosting change the authority accepted: the locations in force on
    ``effective_from`` end there and the new one (``provider``, ``country``, HDS
    certificate) starts. History is kept."""
    for current in hosting_on(service, effective_from):
        current.effective_to = effective_from
    declaration = HostingDeclaration(
        service_id=service.id,
        effective_from=effective_from,
        declared_by_id=declared_by_id,
        **fields,
    )
    db.session.add(declaration)
    db.session.flush()
    return declaration


def replace_owner(
    organisation: Organisation,
    *,
    entity_name: str,
    effective_from: date,
    declared_by_id: int | None,
    replaces_all: bool = False,
    **fields,
) -> OwnerDeclaration | None:
    """An ownership change the authority accepted: the owner's current row (every owner's
    with ``replaces_all``) ends on ``effective_from``; a new row starts unless the owner
    now holds no share and no control. History is kept."""
    for current in owners_on(organisation, effective_from):
        if current.entity_name == entity_name or replaces_all:
            current.effective_to = effective_from
    declaration = None
    if fields.get("share_percent", 0) > 0 or fields.get("declared_control"):
        declaration = OwnerDeclaration(
            organisation_id=organisation.id,
            entity_name=entity_name,
            effective_from=effective_from,
            declared_by_id=declared_by_id,
            **fields,
        )
        db.session.add(declaration)
    db.session.flush()
    return declaration


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


# --- queries for the referencing authority (set-based: a sweep covers every service) -----

# Services the sovereignty rules watch: listed now, or suspended pending regularisation.
WATCHED_STATUSES = (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED)


def service_summaries(statuses, service_ids=None) -> list:
    """``(id, slug, name, status)`` rows of the services in ``statuses`` (optionally only
    ``service_ids``), by id: what a sweep needs, without loading whole listings."""
    query = select(Service.id, Service.slug, Service.name, Service.status).where(
        Service.status.in_(list(statuses))
    )
    if service_ids is not None:
        query = query.where(Service.id.in_(list(service_ids)))
    return list(db.session.execute(query.order_by(Service.id)).all())


def services_due_for_renewal(statuses, until: date) -> list:
    """``(id, slug, valid_until)`` rows of the services in ``statuses`` whose referencing
    ends on or before ``until``."""
    return list(
        db.session.execute(
            select(Service.id, Service.slug, Service.valid_until).where(
                Service.status.in_(list(statuses)),
                Service.valid_until.is_not(None),
                Service.valid_until <= until,
            )
        ).all()
    )


def services_declaring_country(code: str) -> set[int]:
    """Services hosted in ``code``, or whose organisation declared an owner there (any
    period: a change of the country's membership may concern past or future rows)."""
    hosted = select(HostingDeclaration.service_id).where(HostingDeclaration.country == code)
    owned = (
        select(Service.id)
        .join(OwnerDeclaration, OwnerDeclaration.organisation_id == Service.organisation_id)
        .where(OwnerDeclaration.country == code)
    )
    return set(db.session.scalars(hosted)) | set(db.session.scalars(owned))


@dataclass(frozen=True)
class Declarations:
    """Every hosting and controlling-owner declaration of one service (all periods).

    ``hosting`` rows: (provider, country, HDS certificate number, its expiry,
    effective_from, effective_to); ``owners`` rows: (entity name, country, share percent,
    declared control, effective_from, effective_to)."""

    hosting: tuple[tuple, ...]
    owners: tuple[tuple, ...]


def declarations_of(service_ids=None, *, statuses=WATCHED_STATUSES) -> dict[int, Declarations]:
    """The declarations of many services (``service_ids``, or every service in
    ``statuses``) in three queries; the statuses are a subquery, so that a sweep over
    10,000 services binds no 10,000 parameters."""
    if service_ids is not None:
        scope = list(service_ids)
        if not scope:
            return {}
    else:
        scope = select(Service.id).where(Service.status.in_(list(statuses)))
    hosting: dict[int, list[tuple]] = defaultdict(list)
    rows = db.session.execute(
        select(
            HostingDeclaration.service_id,
            HostingDeclaration.provider,
            HostingDeclaration.country,
            HostingDeclaration.hds_certificate_number,
            HostingDeclaration.hds_certificate_expiry,
            HostingDeclaration.effective_from,
            HostingDeclaration.effective_to,
        ).where(HostingDeclaration.service_id.in_(scope))
    )
    for service_id, *values in rows:
        hosting[service_id].append(tuple(values))
    organisation_of = dict(
        db.session.execute(
            select(Service.id, Service.organisation_id).where(Service.id.in_(scope))
        ).all()
    )
    owners: dict[int, list[tuple]] = defaultdict(list)
    rows = db.session.execute(
        select(
            OwnerDeclaration.organisation_id,
            OwnerDeclaration.entity_name,
            OwnerDeclaration.country,
            OwnerDeclaration.share_percent,
            OwnerDeclaration.declared_control,
            OwnerDeclaration.effective_from,
            OwnerDeclaration.effective_to,
        ).where(
            OwnerDeclaration.organisation_id.in_(
                select(Service.organisation_id).where(Service.id.in_(scope))
            )
        )
    )
    for organisation_id, *values in rows:
        owners[organisation_id].append(tuple(values))
    return {
        service_id: Declarations(tuple(hosting[service_id]), tuple(owners[organisation_id]))
        for service_id, organisation_id in organisation_of.items()
    }


def expiring_hds_certificates(on: date, within_days: int, statuses=WATCHED_STATUSES) -> list:
    """``(slug, country, expiry)`` of the HDS certificates in force on ``on`` that lapse
    within ``within_days``, for services in ``statuses``, soonest first."""
    rows = db.session.execute(
        select(Service.slug, HostingDeclaration.country, HostingDeclaration.hds_certificate_expiry)
        .join(HostingDeclaration, HostingDeclaration.service_id == Service.id)
        .where(
            Service.status.in_(list(statuses)),
            *_in_force(HostingDeclaration, on),
            HostingDeclaration.hds_certificate_expiry >= on,
            HostingDeclaration.hds_certificate_expiry <= on + timedelta(days=within_days),
        )
        .order_by(HostingDeclaration.hds_certificate_expiry)
    )
    return [tuple(r) for r in rows]


def editors_of(service: Service) -> list[User]:
    """The accounts of the members of the organisation that publishes ``service``."""
    member_ids = db.session.scalars(
        select(OrganisationMember.user_id).where(
            OrganisationMember.organisation_id == service.organisation_id
        )
    )
    return list(users_by_ids(member_ids).values())


def service_ids_of_organisations(organisation_ids) -> list[int]:
    ids = list(organisation_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Service.id).where(Service.organisation_id.in_(ids))))


def service_ids_of(user) -> list[int]:
    """The ids of the services of every organisation ``user`` is a member of."""
    return list(
        db.session.scalars(
            select(Service.id)
            .join(Organisation, Organisation.id == Service.organisation_id)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == user.id)
        )
    )
