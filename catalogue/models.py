"""Organisations (editors) and their services (listings)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class ServiceStatus(LabelledEnum):
    """Where a service stands in the store.

    ``draft`` until referenced; ``referenced`` is listed; ``suspended`` stays visible
    with a banner but no token is issued or accepted; ``delisted`` leaves the catalogue
    (kept in history and open data).
    """

    DRAFT = "draft", _l("Brouillon")
    REFERENCED = "referenced", _l("Référencé")
    SUSPENDED = "suspended", _l("Suspendu")
    DELISTED = "delisted", _l("Déréférencé")


class Category(LabelledEnum):
    PREVENTION = "prevention", _l("Prévention")
    CHRONIC_DISEASE = "chronic_disease", _l("Suivi de maladie chronique")
    MENTAL_HEALTH = "mental_health", _l("Santé mentale")
    MATERNITY = "maternity", _l("Maternité et parentalité")
    NUTRITION_ACTIVITY = "nutrition_activity", _l("Nutrition et activité physique")
    MEDICATION = "medication", _l("Médicaments")
    TELEMEDICINE = "telemedicine", _l("Télémédecine")
    HEALTH_ADMIN = "health_admin", _l("Démarches de santé")
    DISABILITY_AUTONOMY = "disability_autonomy", _l("Handicap et autonomie")


class Platform(enum.StrEnum):
    WEB = "web"
    IOS = "ios"
    ANDROID = "android"

    @property
    def label(self) -> str:
        return {"web": "Web", "ios": "iOS", "android": "Android"}[self.value]


class PriceModel(LabelledEnum):
    FREE = "free", _l("Gratuit")
    FREEMIUM = "freemium", _l("Gratuit avec options payantes")
    PAID = "paid", _l("Payant")
    REIMBURSED = "reimbursed", _l("Pris en charge par l'Assurance maladie")


class Audience(LabelledEnum):
    ADULTS = "adults", _l("Adultes")
    MINORS = "minors", _l("Mineurs")


class Organisation(Record):
    __tablename__ = "organisations"

    legal_name: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    foreign_registration: Mapped[str | None] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # Added by the editor portal: the person to contact and their phone number.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(back_populates="organisation")


class OrganisationMember(Record):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    organisation_id: Mapped[int] = ref("organisations", ondelete="CASCADE", index=True)
    user_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    role: Mapped[MemberRole] = mapped_column(stored_enum(MemberRole), default=MemberRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")


class Service(Record):
    __tablename__ = "services"

    organisation_id: Mapped[int] = ref("organisations", index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    short_description: Mapped[str] = mapped_column(String(300), default="")
    # Listing details, filled from the editor portal (values of the enums above).
    long_description: Mapped[str] = mapped_column(Text, default="")
    short_description_en: Mapped[str | None] = mapped_column(String(300))
    long_description_en: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    price_model: Mapped[str | None] = mapped_column(String(20))
    website_url: Mapped[str | None] = mapped_column(String(500))
    privacy_policy_url: Mapped[str | None] = mapped_column(String(500))
    accessibility_statement_url: Mapped[str | None] = mapped_column(String(500))
    logo_path: Mapped[str | None] = mapped_column(String(300))
    # Public scores, published with the referencing decision: {"security": 92, ...} (0-100).
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    ecoscore_value: Mapped[float | None]
    ecoscore_grade: Mapped[str | None] = mapped_column(String(1))
    # The measurements and method behind the écoscore, as shown on the listing.
    ecoscore_details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[ServiceStatus] = mapped_column(
        stored_enum(ServiceStatus), default=ServiceStatus.DRAFT, index=True
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
    events: Mapped[list[ServiceEvent]] = relationship(
        back_populates="service", order_by="ServiceEvent.at"
    )


class ServiceEventKind(LabelledEnum):
    REFERENCED = "referenced", _l("Référencement")
    REFUSED = "refused", _l("Refus de référencement")
    RENEWED = "renewed", _l("Renouvellement")
    SUSPENDED = "suspended", _l("Suspension")
    REINSTATED = "reinstated", _l("Rétablissement")
    DELISTED = "delisted", _l("Déréférencement")
    SANCTION = "sanction", _l("Sanction")
    EXPIRED = "expired", _l("Fin de validité")
    LISTING_CHANGED = "listing_changed", _l("Modification de la fiche")


class ServiceEvent(Record):
    """The public history of a listing (decisions, renewals, suspensions, sanctions);
    the Atom feed of decisions and the listing's history page read it."""

    __tablename__ = "service_events"

    service_id: Mapped[int] = ref("services", index=True)
    kind: Mapped[ServiceEventKind] = mapped_column(stored_enum(ServiceEventKind))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    summary: Mapped[str] = mapped_column(Text)
    # e.g. {"deadline": "2027-05-01", "reason": "...", "legal_basis": "..."}
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    service: Mapped[Service] = relationship(back_populates="events")


class DataPurpose(LabelledEnum):
    """The only purposes a service may process health data for."""

    PREVENTION = "prevention", _l("Prévention")
    DIAGNOSIS = "diagnosis", _l("Diagnostic")
    CARE = "care", _l("Soins")
    SOCIAL_FOLLOW_UP = "social_follow_up", _l("Suivi social ou médico-social")


PURPOSE_LABELS = DataPurpose.labels()


class ServiceDataUse(Record):
    """One approved data use of a referenced service: a SMART scope, why, for how long.

    Written by the referencing decision; read by the consent screen and the listing.
    """

    __tablename__ = "service_data_uses"
    __table_args__ = (UniqueConstraint("service_id", "scope"),)

    service_id: Mapped[int] = ref("services", ondelete="CASCADE")
    scope: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[DataPurpose] = mapped_column(stored_enum(DataPurpose, 30))
    retention_days: Mapped[int]

    service: Mapped[Service] = relationship(back_populates="data_uses")


class HostingDeclaration(Record):
    """Where a service's health data is hosted, from ``effective_from`` (history kept:
    a change closes the current row with ``effective_to`` and adds a new one)."""

    __tablename__ = "hosting_declarations"

    service_id: Mapped[int] = ref("services", index=True)
    provider: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    hds_certificate_number: Mapped[str | None] = mapped_column(String(80))
    hds_certificate_expiry: Mapped[date | None]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_by_id: Mapped[int | None] = ref("users")

    service: Mapped[Service] = relationship(back_populates="hosting")


class OwnerDeclaration(Record):
    """A controlling owner of an organisation (share %, or declared control), dated."""

    __tablename__ = "owner_declarations"

    organisation_id: Mapped[int] = ref("organisations", index=True)
    entity_name: Mapped[str] = mapped_column(String(200))
    entity_siren: Mapped[str | None] = mapped_column(String(9))
    parent_group: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    share_percent: Mapped[float]
    declared_control: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_by_id: Mapped[int | None] = ref("users")


class ListingChangeState(LabelledEnum):
    PENDING = "pending", _l("En attente d'examen")
    ACCEPTED = "accepted", _l("Acceptée et publiée")
    REJECTED = "rejected", _l("Refusée")
    # The editor proposed again (or went back to the published text) before the review.
    SUPERSEDED = "superseded", _l("Remplacée par une nouvelle proposition")


class ListingChange(Record):
    """An editor's proposed change to a published listing's reviewed fields: published
    only when an agent accepts it (``catalogue.listing_changes``)."""

    __tablename__ = "listing_changes"

    service_id: Mapped[int] = ref("services", index=True)
    # The proposed values of the reviewed fields that differ from the published listing.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[ListingChangeState] = mapped_column(
        stored_enum(ListingChangeState), default=ListingChangeState.PENDING, index=True
    )
    proposed_by_id: Mapped[int] = ref("users")
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = ref("users")
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship()
