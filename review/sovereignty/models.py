"""Sovereignty: the country registry (EU/EEA membership periods), suspension cases
opened by the rules engine, and data-deletion orders after a delisting."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import db, utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class Union(LabelledEnum):
    EU = "eu", _l("Union européenne")
    EEA = "eea", _l("Espace économique européen")


class Country(db.Model):
    """An ISO 3166-1 alpha-2 country."""

    __tablename__ = "sov_countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="country", order_by="Membership.joined_on", cascade="all, delete-orphan"
    )


class Membership(Record):
    """One membership period: member from ``joined_on`` (inclusive) until ``left_on``
    (exclusive: on ``left_on`` the country is no longer a member)."""

    __tablename__ = "sov_memberships"
    __table_args__ = (Index("ix_sov_memberships_country_union", "country_code", "union"),)

    country_code: Mapped[str] = ref("sov_countries.code")
    union: Mapped[Union] = mapped_column(stored_enum(Union, 10))
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    country: Mapped[Country] = relationship(back_populates="memberships")


class CaseState(LabelledEnum):
    # service suspended, regularisation deadline running
    OPEN = "open", _l("Suspendu, régularisation en attente")
    # breaches cleared before the deadline: reinstated
    REGULARISED = "regularised", _l("Régularisé")
    DELISTED = "delisted", _l("Déréférencé")  # deadline missed: delisted, deletion order issued


class SovereigntyCase(Record):
    """A suspension opened by the rules engine; at most one open case per service."""

    __tablename__ = "sov_cases"

    service_id: Mapped[int] = ref("services", index=True)
    state: Mapped[CaseState] = mapped_column(
        stored_enum(CaseState), default=CaseState.OPEN, index=True
    )
    # [{"code", "legal_basis", "since", "detail"}]
    breaches: Mapped[list] = mapped_column(JSON, default=list)
    opened_on: Mapped[date]
    deadline: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_on: Mapped[date | None]
    # Whether the engine suspended the service (False if it already was, by a sanction).
    suspended_service: Mapped[bool] = mapped_column(default=True)
    # The editor declared a regularisation directly (editor portal): an agent must check
    # it before the service is reinstated (neither the sweep nor the trigger does it).
    awaiting_review: Mapped[bool] = mapped_column(default=False)
    reviewed_by_id: Mapped[int | None] = ref("users")


class OrderState(LabelledEnum):
    OPEN = "open", _l("En attente de l'attestation")  # waiting for the editor's attestation
    # attestation uploaded, waiting for an agent
    SUBMITTED = "submitted", _l("Attestation déposée, à vérifier")
    ACCEPTED = "accepted", _l("Suppression attestée")  # deletion attested and accepted: closed


class DeletionOrder(Record):
    """An order to delete the citizens' health data a delisted service holds."""

    __tablename__ = "sov_deletion_orders"

    service_id: Mapped[int] = ref("services", index=True)
    case_id: Mapped[int | None] = ref("sov_cases")
    state: Mapped[OrderState] = mapped_column(
        stored_enum(OrderState), default=OrderState.OPEN, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date]
    due_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The attestation (a PDF stored outside the web root, under ENS_DATA_DIR).
    attestation_path: Mapped[str | None] = mapped_column(String(300))
    attestation_filename: Mapped[str | None] = mapped_column(String(200))
    attestation_sha256: Mapped[str | None] = mapped_column(String(64))
    attestation_uploaded_at: Mapped[datetime | None]
    attestation_uploaded_by_id: Mapped[int | None] = ref("users")
    reviewed_by_id: Mapped[int | None] = ref("users")
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)

    def is_overdue(self, on: date) -> bool:
        return self.state is not OrderState.ACCEPTED and on > self.due_on
