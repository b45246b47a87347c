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


# --- health space (ens_core/health) -------------------------------------------------------


def make_measurement(citizen, code="29463-7", value=70.0, *, at=None, value2=None, service=None):
    from datetime import UTC, datetime

    from ens_core.health.datatypes import BY_CODE
    from ens_core.health.services import Source, add_measurement

    return add_measurement(
        citizen,
        {
            "code": code,
            "effective_at": at or datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
            "value": value,
            "value2": value2,
            "unit": BY_CODE[code].codes[code],
        },
        Source(service=service),
    )


PDF_BYTES = b"%PDF-1.4\n%test\n%%EOF\n"


def make_document(citizen, title="Compte rendu", *, service=None, type_code="11488-4", at=None):
    from datetime import UTC, datetime

    from ens_core.health.services import Source, add_document

    return add_document(
        citizen,
        {
            "type_code": type_code,
            "title": title,
            "date": at or datetime(2026, 2, 1, tzinfo=UTC),
            "content": PDF_BYTES,
            "content_type": "application/pdf",
        },
        Source(service=service, person=None if service else citizen),
    )
