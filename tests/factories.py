"""Test data factories, in one place. Each returns a flushed object."""

from __future__ import annotations

import itertools
from datetime import date

from catalogue.models import Service
from catalogue.services import create_organisation
from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user
from ens_core.db import db

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_user(*roles: Role, email: str | None = None, password: str = PASSWORD, **fields):
    n = next(_seq)
    return create_user(
        email=email or f"user{n}@test.ens",
        name=fields.pop("name", f"Test User {n}"),
        password=password,
        roles=set(roles) or {Role.CITIZEN},
        birth_date=fields.pop("birth_date", date(1990, 1, 1)),
        **fields,
    )


def make_organisation(owner=None, **fields):
    owner = owner or make_user(Role.EDITOR)
    n = next(_seq)
    return create_organisation(
        owner,
        legal_name=fields.pop("legal_name", f"Org {n}"),
        country=fields.pop("country", "FR"),
        **fields,
    )


def make_service(organisation=None, **fields):
    organisation = organisation or make_organisation()
    n = next(_seq)
    service = Service(
        organisation_id=organisation.id,
        name=fields.pop("name", f"Service {n}"),
        slug=fields.pop("slug", f"service-{n}"),
        **fields,
    )
    db.session.add(service)
    db.session.flush()
    return service


# --- sovereignty and surveillance (review/sovereignty, review/surveillance) -------------


def make_referenced_service(
    organisation=None,
    *,
    country: str = "FR",
    certificate_expiry: date | None = date(2030, 1, 1),
    hosting_from: date = date(2020, 1, 1),
    **fields,
):
    """A referenced service hosted in ``country`` with an HDS certificate and a
    production client."""
    from datetime import UTC, datetime

    from authz.models import ClientKind
    from authz.services import create_client
    from catalogue.models import DataPurpose, HostingDeclaration
    from catalogue.services import publish_referencing

    service = make_service(organisation, **fields)
    db.session.add(
        HostingDeclaration(
            service_id=service.id,
            provider="Hébergeur HDS",
            country=country,
            hds_certificate_number="HDS-TEST-1" if certificate_expiry else None,
            hds_certificate_expiry=certificate_expiry,
            effective_from=hosting_from,
        )
    )
    publish_referencing(
        service,
        actor=None,
        decided_at=datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=fields.get("valid_until") or date(2029, 1, 1),
        data_uses=[("patient/Observation.rs", DataPurpose.PREVENTION, 365)],
    )
    create_client(
        service,
        kind=ClientKind.PRODUCTION,
        name=service.name,
        redirect_uris=["https://app.example/cb"],
        scope_ceiling="patient/Observation.rs",
    )
    return service


def make_owner(organisation, *, country: str, share: float, control: bool = False, since=None):
    from catalogue.models import OwnerDeclaration

    owner = OwnerDeclaration(
        organisation_id=organisation.id,
        entity_name=f"Holding {next(_seq)}",
        country=country,
        share_percent=share,
        declared_control=control,
        effective_from=since or date(2020, 1, 1),
    )
    db.session.add(owner)
    db.session.flush()
    return owner


def make_grant(service, citizen=None):
    from authz.models import Grant
    from authz.services import clients_of_service

    citizen = citizen or make_user(Role.CITIZEN)
    grant = Grant(
        citizen_id=citizen.id,
        service_id=service.id,
        client_id=clients_of_service(service)[0].id,
        scopes="patient/Observation.rs",
        consented_by_id=citizen.id,
    )
    db.session.add(grant)
    db.session.flush()
    return grant
