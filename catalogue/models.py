"""Organisations (editors) and their services (listings)."""

from __future__ import annotations

import enum
from datetime import date, datetime

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
    # Set by the referencing decision (review) through catalogue.services.publish_referencing.
    referenced_at: Mapped[datetime | None]
    valid_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    data_uses: Mapped[list[ServiceDataUse]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceDataUse.scope"
    )
    hosting: Mapped[list[HostingDeclaration]] = relationship(
        back_populates="service", order_by="HostingDeclaration.effective_from"
    )


class DataPurpose(enum.StrEnum):
    """The only purposes a service may process health data for."""

    PREVENTION = "prevention"
    DIAGNOSIS = "diagnosis"
    CARE = "care"
    SOCIAL_FOLLOW_UP = "social_follow_up"

    @property
    def label(self) -> str:
        return str(PURPOSE_LABELS[self])


PURPOSE_LABELS = {
    DataPurpose.PREVENTION: _l("Prévention"),
    DataPurpose.DIAGNOSIS: _l("Diagnostic"),
    DataPurpose.CARE: _l("Soins"),
    DataPurpose.SOCIAL_FOLLOW_UP: _l("Suivi social ou médico-social"),
}


class ServiceDataUse(db.Model):
    """One approved data use of a referenced service: a SMART scope, why, for how long.

    Written by the referencing decision; read by the consent screen and the listing.
    """

    __tablename__ = "service_data_uses"
    __table_args__ = (UniqueConstraint("service_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[DataPurpose] = mapped_column(Enum(DataPurpose, native_enum=False, length=30))
    retention_days: Mapped[int]

    service: Mapped[Service] = relationship(back_populates="data_uses")


class HostingDeclaration(db.Model):
    """Where a service's health data is hosted, from ``effective_from`` (history kept:
    a change closes the current row with ``effective_to`` and adds a new one)."""

    __tablename__ = "hosting_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    provider: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    hds_certificate_number: Mapped[str | None] = mapped_column(String(80))
    hds_certificate_expiry: Mapped[date | None]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service: Mapped[Service] = relationship(back_populates="hosting")


class OwnerDeclaration(db.Model):
    """A controlling owner of an organisation (share %, or declared control), dated."""

    __tablename__ = "owner_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    entity_name: Mapped[str] = mapped_column(String(200))
    entity_siren: Mapped[str | None] = mapped_column(String(9))
    parent_group: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    share_percent: Mapped[float]
    declared_control: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
