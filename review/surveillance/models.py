"""Surveillance of referenced services: complaints, audits, sanctions (contradictory
procedure), renewals and change declarations."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class ComplaintCategory(LabelledEnum):
    DATA_MISUSE = "data_misuse", _l("Usage abusif des données")
    SECURITY = "security", _l("Sécurité")
    MISLEADING = "misleading", _l("Information trompeuse")
    ACCESSIBILITY = "accessibility", _l("Accessibilité")
    HOSTING = "hosting", _l("Hébergement et souveraineté")
    OTHER = "other", _l("Autre")


class ComplaintSource(LabelledEnum):
    AGENT = "agent", _l("Agent")
    CITIZEN = "citizen", _l("Titulaire")


class ComplaintState(LabelledEnum):
    NEW = "new", _l("À trier")
    DISMISSED = "dismissed", _l("Classée sans suite")
    AUDIT = "audit", _l("Audit ouvert")  # an audit was opened
    CLOSED = "closed", _l("Close")


class AuditState(LabelledEnum):
    OPEN = "open", _l("En cours")
    CLOSED = "closed", _l("Clos")


class SanctionState(LabelledEnum):
    INTENT = "intent", _l("Intention notifiée")  # intent notified, waiting for the editor's answer
    ANSWERED = "answered", _l("Réponse reçue")
    DECIDED = "decided", _l("Décidée")
    LIFTED = "lifted", _l("Levée")  # a suspension that ended


class SanctionKind(LabelledEnum):
    WARNING = "warning", _l("Avertissement")
    SUSPENSION = "suspension", _l("Suspension")
    DELISTING = "delisting", _l("Déréférencement")


class RenewalState(LabelledEnum):
    OPEN = "open", _l("En préparation")  # the editor is preparing the renewal dossier
    FILED = "filed", _l("Dossier déposé")  # dossier filed against the current referential
    GRANTED = "granted", _l("Renouvelé")
    LAPSED = "lapsed", _l("Expiré sans renouvellement")  # validity ended without renewal


class ChangeKind(LabelledEnum):
    VERSION = "version", _l("Nouvelle version")
    HOSTING = "hosting", _l("Hébergement")
    OWNERSHIP = "ownership", _l("Actionnariat")
    SCOPES = "scopes", _l("Nouvelles données")


class ChangeState(LabelledEnum):
    PENDING = "pending", _l("À examiner")  # waiting for an agent
    # scope increase: the commission must give an opinion
    AWAITING_OPINION = "awaiting_opinion", _l("En attente d'un avis de la commission")
    ACCEPTED = "accepted", _l("Acceptée")  # in force
    REJECTED = "rejected", _l("Refusée")


class Complaint(Record):
    __tablename__ = "surv_complaints"

    service_id: Mapped[int] = ref("services", index=True)
    source: Mapped[ComplaintSource] = mapped_column(stored_enum(ComplaintSource, 30))
    reporter_id: Mapped[int | None] = ref("users")
    # The citizen's AbuseReport (health space) it was imported from, if any.
    abuse_report_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    category: Mapped[ComplaintCategory] = mapped_column(stored_enum(ComplaintCategory, 30))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[ComplaintState] = mapped_column(
        stored_enum(ComplaintState, 30), default=ComplaintState.NEW, index=True
    )
    triage_note: Mapped[str | None] = mapped_column(Text)
    triaged_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ComplaintAttachment.id"
    )


class ComplaintAttachment(Record):
    """A file kept outside the web root (under ENS_DATA_DIR)."""

    __tablename__ = "surv_complaint_attachments"

    complaint_id: Mapped[int] = ref("surv_complaints", index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class Audit(Record):
    __tablename__ = "surv_audits"

    service_id: Mapped[int] = ref("services", index=True)
    complaint_id: Mapped[int | None] = ref("surv_complaints")
    scope: Mapped[str] = mapped_column(Text)
    auditor: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date]
    findings: Mapped[str | None] = mapped_column(Text)
    state: Mapped[AuditState] = mapped_column(stored_enum(AuditState, 30), default=AuditState.OPEN)
    opened_by_id: Mapped[int] = ref("users")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Sanction(Record):
    """A sanction procedure: intent → the editor's answer → the agent's decision."""

    __tablename__ = "surv_sanctions"

    service_id: Mapped[int] = ref("services", index=True)
    audit_id: Mapped[int | None] = ref("surv_audits")
    state: Mapped[SanctionState] = mapped_column(
        stored_enum(SanctionState, 30), default=SanctionState.INTENT, index=True
    )
    grounds: Mapped[str] = mapped_column(Text)
    proposed_kind: Mapped[SanctionKind] = mapped_column(stored_enum(SanctionKind, 30))
    answer_deadline: Mapped[date]
    notified_by_id: Mapped[int] = ref("users")
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = ref("users")
    answered_at: Mapped[datetime | None]
    decided_kind: Mapped[SanctionKind | None] = mapped_column(stored_enum(SanctionKind, 30))
    decision_text: Mapped[str | None] = mapped_column(Text)
    # A suspension ends on ``suspended_until`` or when ``until_condition`` is met.
    suspended_until: Mapped[date | None]
    until_condition: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = ref("users")
    decided_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]


class RenewalNotice(Record):
    """One reminder sent before a validity end (keeps the sweep idempotent)."""

    __tablename__ = "surv_renewal_notices"
    __table_args__ = (UniqueConstraint("service_id", "valid_until", "days_before"),)

    service_id: Mapped[int] = ref("services")
    valid_until: Mapped[date]
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class RenewalRequest(Record):
    """A renewal of a referencing; the dossier itself belongs to the dossiers module."""

    __tablename__ = "surv_renewal_requests"

    service_id: Mapped[int] = ref("services", index=True)
    expiring_on: Mapped[date]
    state: Mapped[RenewalState] = mapped_column(
        stored_enum(RenewalState, 30), default=RenewalState.OPEN
    )
    previous_dossier_id: Mapped[int | None] = ref("dossiers")
    dossier_id: Mapped[int | None] = ref("dossiers")
    opened_by_id: Mapped[int | None] = ref("users")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class ChangeDeclaration(Record):
    """An editor's declared change; material ones wait for an agent before taking effect."""

    __tablename__ = "surv_change_declarations"

    service_id: Mapped[int] = ref("services", index=True)
    kind: Mapped[ChangeKind] = mapped_column(stored_enum(ChangeKind, 30))
    # version: {"version", "notes"}; hosting: {"provider", "country", "hds_certificate_number",
    # "hds_certificate_expiry", "effective_from"}; ownership: {"entity_name", "country",
    # "share_percent", "declared_control", "effective_from"}; scopes: {"scopes": [...]}
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    material: Mapped[bool] = mapped_column(default=True)
    requires_commission_opinion: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ChangeState] = mapped_column(
        stored_enum(ChangeState, 30), default=ChangeState.PENDING, index=True
    )
    declared_by_id: Mapped[int] = ref("users")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = ref("users")
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
