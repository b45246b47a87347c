"""Catalogue services: organisations and their members, services and their status.

Other packages call these functions rather than touching catalogue tables.
"""

from __future__ import annotations

from sqlalchemy import select

from catalogue.models import MemberRole, Organisation, OrganisationMember, Service
from ens_core.db import db


def create_organisation(founder, *, legal_name: str, country: str, **fields) -> Organisation:
    organisation = Organisation(legal_name=legal_name.strip(), country=country, **fields)
    organisation.members.append(OrganisationMember(user_id=founder.id, role=MemberRole.OWNER))
    db.session.add(organisation)
    db.session.flush()
    return organisation


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
