"""Surveillance of referenced services: complaints, audits, sanctions (contradictory
procedure), renewals and change declarations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import db, utcnow


def _enum(cls, length=30):
    return Enum(cls, native_enum=False, length=length)


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> str:
        return str(LABELS[self])


class ComplaintCategory(LabelledEnum):
    DATA_MISUSE = "data_misuse"
    SECURITY = "security"
    MISLEADING = "misleading"
    ACCESSIBILITY = "accessibility"
    HOSTING = "hosting"
    OTHER = "other"


class ComplaintSource(LabelledEnum):
    AGENT = "agent"
    CITIZEN = "citizen"


class ComplaintState(LabelledEnum):
    NEW = "new"
    DISMISSED = "dismissed"
    AUDIT = "audit"  # an audit was opened
    CLOSED = "closed"


class AuditState(LabelledEnum):
    OPEN = "open"
    CLOSED = "closed"


class SanctionState(LabelledEnum):
    INTENT = "intent"  # intent notified, waiting for the editor's answer
    ANSWERED = "answered"
    DECIDED = "decided"
    LIFTED = "lifted"  # a suspension that ended


class SanctionKind(LabelledEnum):
    WARNING = "warning"
    SUSPENSION = "suspension"
    DELISTING = "delisting"


class RenewalState(LabelledEnum):
    OPEN = "open"  # the editor is preparing the renewal dossier
    FILED = "filed"  # dossier filed against the current referential
    GRANTED = "granted"
    LAPSED = "lapsed"  # validity ended without renewal


class ChangeKind(LabelledEnum):
    VERSION = "version"
    HOSTING = "hosting"
    OWNERSHIP = "ownership"
    SCOPES = "scopes"


class ChangeState(LabelledEnum):
    PENDING = "pending"  # waiting for an agent
    AWAITING_OPINION = "awaiting_opinion"  # scope increase: the commission must give an opinion
    ACCEPTED = "accepted"  # in force
    REJECTED = "rejected"


LABELS = {
    ComplaintCategory.DATA_MISUSE: _l("Usage abusif des données"),
    ComplaintCategory.SECURITY: _l("Sécurité"),
    ComplaintCategory.MISLEADING: _l("Information trompeuse"),
    ComplaintCategory.ACCESSIBILITY: _l("Accessibilité"),
    ComplaintCategory.HOSTING: _l("Hébergement et souveraineté"),
    ComplaintCategory.OTHER: _l("Autre"),
    ComplaintSource.AGENT: _l("Agent"),
    ComplaintSource.CITIZEN: _l("Titulaire"),
    ComplaintState.NEW: _l("À trier"),
    ComplaintState.DISMISSED: _l("Classée sans suite"),
    ComplaintState.AUDIT: _l("Audit ouvert"),
    ComplaintState.CLOSED: _l("Close"),
    AuditState.OPEN: _l("En cours"),
    AuditState.CLOSED: _l("Clos"),
    SanctionState.INTENT: _l("Intention notifiée"),
    SanctionState.ANSWERED: _l("Réponse reçue"),
    SanctionState.DECIDED: _l("Décidée"),
    SanctionState.LIFTED: _l("Levée"),
    SanctionKind.WARNING: _l("Avertissement"),
    SanctionKind.SUSPENSION: _l("Suspension"),
    SanctionKind.DELISTING: _l("Déréférencement"),
    RenewalState.OPEN: _l("En préparation"),
    RenewalState.FILED: _l("Dossier déposé"),
    RenewalState.GRANTED: _l("Renouvelé"),
    RenewalState.LAPSED: _l("Expiré sans renouvellement"),
    ChangeKind.VERSION: _l("Nouvelle version"),
    ChangeKind.HOSTING: _l("Hébergement"),
    ChangeKind.OWNERSHIP: _l("Actionnariat"),
    ChangeKind.SCOPES: _l("Nouvelles données"),
    ChangeState.PENDING: _l("À examiner"),
    ChangeState.AWAITING_OPINION: _l("En attente d'un avis de la commission"),
    ChangeState.ACCEPTED: _l("Acceptée"),
    ChangeState.REJECTED: _l("Refusée"),
}


class Complaint(db.Model):
    __tablename__ = "surv_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    source: Mapped[ComplaintSource] = mapped_column(_enum(ComplaintSource))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The citizen's AbuseReport (health space) it was imported from, if any.
    abuse_report_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    category: Mapped[ComplaintCategory] = mapped_column(_enum(ComplaintCategory))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[ComplaintState] = mapped_column(
        _enum(ComplaintState), default=ComplaintState.NEW, index=True
    )
    triage_note: Mapped[str | None] = mapped_column(Text)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ComplaintAttachment.id"
    )


class ComplaintAttachment(db.Model):
    """A file kept outside the web root (under ENS_DATA_DIR)."""

    __tablename__ = "surv_complaint_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("surv_complaints.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class Audit(db.Model):
    __tablename__ = "surv_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("surv_complaints.id"))
    scope: Mapped[str] = mapped_column(Text)
    auditor: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date]
    findings: Mapped[str | None] = mapped_column(Text)
    state: Mapped[AuditState] = mapped_column(_enum(AuditState), default=AuditState.OPEN)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Sanction(db.Model):
    """A sanction procedure: intent → the editor's answer → the agent's decision."""

    __tablename__ = "surv_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("surv_audits.id"))
    state: Mapped[SanctionState] = mapped_column(
        _enum(SanctionState), default=SanctionState.INTENT, index=True
    )
    grounds: Mapped[str] = mapped_column(Text)
    proposed_kind: Mapped[SanctionKind] = mapped_column(_enum(SanctionKind))
    answer_deadline: Mapped[date]
    notified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    decided_kind: Mapped[SanctionKind | None] = mapped_column(_enum(SanctionKind))
    decision_text: Mapped[str | None] = mapped_column(Text)
    # A suspension ends on ``suspended_until`` or when ``until_condition`` is met.
    suspended_until: Mapped[date | None]
    until_condition: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]


class RenewalNotice(db.Model):
    """One reminder sent before a validity end (keeps the sweep idempotent)."""

    __tablename__ = "surv_renewal_notices"
    __table_args__ = (UniqueConstraint("service_id", "valid_until", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    valid_until: Mapped[date]
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class RenewalRequest(db.Model):
    """A renewal of a referencing; the dossier itself belongs to the dossiers module."""

    __tablename__ = "surv_renewal_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    expiring_on: Mapped[date]
    state: Mapped[RenewalState] = mapped_column(_enum(RenewalState), default=RenewalState.OPEN)
    previous_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class ChangeDeclaration(db.Model):
    """An editor's declared change; material ones wait for an agent before taking effect."""

    __tablename__ = "surv_change_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(_enum(ChangeKind))
    # version: {"version", "notes"}; hosting: {"provider", "country", "hds_certificate_number",
    # "hds_certificate_expiry", "effective_from"}; ownership: {"entity_name", "country",
    # "share_percent", "declared_control", "effective_from"}; scopes: {"scopes": [...]}
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    material: Mapped[bool] = mapped_column(default=True)
    requires_commission_opinion: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ChangeState] = mapped_column(
        _enum(ChangeState), default=ChangeState.PENDING, index=True
    )
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
