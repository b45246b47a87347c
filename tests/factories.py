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


# --- public catalogue (catalogue/public) ------------------------------------------------


def make_listed_service(organisation=None, **fields):
    """A referenced service with a complete listing; ``data_uses`` as (scope, purpose, days),
    ``hosting`` as country codes."""
    from datetime import UTC, datetime, timedelta

    from catalogue.models import (
        DataPurpose,
        HostingDeclaration,
        ServiceDataUse,
        ServiceStatus,
    )

    data_uses = fields.pop("data_uses", [("patient/Observation.rs", DataPurpose.PREVENTION, 365)])
    hosting = fields.pop("hosting", ["FR"])
    n = next(_seq)
    defaults = {
        "short_description": f"Application numéro {n}",
        "long_description": "Description détaillée.",
        "categories": ["prevention"],
        "platforms": ["web"],
        "audiences": ["adults"],
        "price_model": "free",
        "website_url": f"https://service-{n}.example",
        "status": ServiceStatus.REFERENCED,
        "referenced_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n),
        "valid_until": date(2029, 1, 1),
        "scores": {"security": 90, "interoperability": 80, "ethics": 85},
        "ecoscore_grade": "B",
        "ecoscore_value": 72.5,
        "ecoscore_details": {"method": "EcoIndex", "dom_elements": 420, "requests": 31},
    }
    defaults.update(fields)
    service = make_service(organisation, **defaults)
    for scope, purpose, days in data_uses:
        db.session.add(
            ServiceDataUse(service_id=service.id, scope=scope, purpose=purpose, retention_days=days)
        )
    for country in hosting:
        db.session.add(
            HostingDeclaration(
                service_id=service.id,
                provider=f"Hébergeur {country}",
                country=country,
                effective_from=date(2025, 1, 1),
            )
        )
    db.session.flush()
    db.session.refresh(service)
    return service


def make_service_event(service, kind, *, summary="", at=None, **details):
    from catalogue.models import ServiceEvent
    from ens_core.db import utcnow

    event = ServiceEvent(
        service_id=service.id, kind=kind, summary=summary, at=at or utcnow(), details=details
    )
    db.session.add(event)
    db.session.flush()
    return event
