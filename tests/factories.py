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


def make_hosting(service, **fields):
    """A hosting declaration in force (editor portal)."""
    from catalogue.models import HostingDeclaration

    declaration = HostingDeclaration(
        service_id=service.id,
        provider=fields.pop("provider", "OVHcloud"),
        country=fields.pop("country", "FR"),
        effective_from=fields.pop("effective_from", date(2024, 1, 1)),
        **fields,
    )
    db.session.add(declaration)
    db.session.flush()
    return declaration
