"""Organisations (editors) and their services (listings)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import db, utcnow


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class ServiceStatus(enum.StrEnum):
    """Where a service stands in the store.

    ``draft`` until referenced; ``referenced`` is listed; ``suspended`` stays visible
    with a banner but no token is issued or accepted; ``delisted`` leaves the catalogue
    (kept in history and open data).
    """

    DRAFT = "draft"
    REFERENCED = "referenced"
    SUSPENDED = "suspended"
    DELISTED = "delisted"

    @property
    def label(self) -> str:
        return str(SERVICE_STATUS_LABELS[self])


SERVICE_STATUS_LABELS = {
    ServiceStatus.DRAFT: _l("Brouillon"),
    ServiceStatus.REFERENCED: _l("Référencé"),
    ServiceStatus.SUSPENDED: _l("Suspendu"),
    ServiceStatus.DELISTED: _l("Déréférencé"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    foreign_registration: Mapped[str | None] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(back_populates="organisation")


class OrganisationMember(db.Model):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        Enum(MemberRole, native_enum=False, length=20), default=MemberRole.MEMBER
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")


class Service(db.Model):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    short_description: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, native_enum=False, length=20), default=ServiceStatus.DRAFT, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
