"""A dossier: one application of one service against one referential version.

Its lifecycle is an explicit state machine (``review.dossiers.lifecycle``); every
transition is recorded with who, when and a comment.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from catalogue.models import DataPurpose, Service
from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum
from review.referential.models import Criterion, ReferentialVersion


class DossierState(LabelledEnum):
    DRAFT = "draft", _l("Brouillon")
    SUBMITTED = "submitted", _l("Déposé")
    INADMISSIBLE = "inadmissible", _l("Irrecevable")
    ADMISSIBLE = "admissible", _l("Recevable")
    UNDER_EVALUATION = "under_evaluation", _l("En évaluation")
    INFORMATION_REQUESTED = "information_requested", _l("Compléments demandés")
    EVALUATED = "evaluated", _l("Évalué")
    SCHEDULED = "scheduled", _l("Inscrit à une séance")
    OPINION_GIVEN = "opinion_given", _l("Avis rendu")
    # suspensive reservations to lift
    REFERENCED_PENDING = "referenced_pending", _l("Référencé sous réserves suspensives")
    REFERENCED = "referenced", _l("Référencé")
    REFUSED = "refused", _l("Refusé")
    WITHDRAWN = "withdrawn", _l("Retiré")
    CLOSED = "closed", _l("Clos")  # closed by an agent after a missed information deadline


class Dossier(Record):
    __tablename__ = "dossiers"

    service_id: Mapped[int] = ref("services", index=True)
    state: Mapped[DossierState] = mapped_column(
        stored_enum(DossierState, 30), default=DossierState.DRAFT, index=True
    )
    opened_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The referential version the dossier was opened against (pinned for its whole life).
    referential_version_id: Mapped[int | None] = ref("referential_versions", index=True)
    submitted_at: Mapped[datetime | None]
    # Days the review clock was stopped while waiting for the editor's answers.
    paused_days: Mapped[int] = mapped_column(default=0, server_default="0")

    transitions: Mapped[list[DossierTransition]] = relationship(
        back_populates="dossier", order_by="DossierTransition.id", cascade="all, delete-orphan"
    )
    service: Mapped[Service] = relationship()
    referential_version: Mapped[ReferentialVersion | None] = relationship()
    answers: Mapped[list[CriterionAnswer]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan"
    )
    data_requests: Mapped[list[DataRequest]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="DataRequest.scope"
    )
    information_requests: Mapped[list[InformationRequest]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="InformationRequest.id"
    )
    evaluations: Mapped[list[CriterionEvaluation]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan"
    )
    # Double evaluation (review.dossiers.double): the two agents and their own verdicts.
    evaluators: Mapped[list[DossierEvaluator]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="DossierEvaluator.id"
    )
    independent_evaluations: Mapped[list[IndependentEvaluation]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan"
    )


class DossierTransition(Record):
    __tablename__ = "dossier_transitions"

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    from_state: Mapped[DossierState] = mapped_column(stored_enum(DossierState, 30))
    to_state: Mapped[DossierState] = mapped_column(stored_enum(DossierState, 30))
    actor_id: Mapped[int | None] = ref("users")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="transitions")


class Answer(LabelledEnum):
    YES = "yes", _l("Oui")
    NO = "no", _l("Non")
    NOT_APPLICABLE = "na", _l("Non applicable")


ANSWER_LABELS = Answer.labels()


class Verdict(LabelledEnum):
    COMPLIANT = "compliant", _l("Conforme")
    NON_COMPLIANT = "non_compliant", _l("Non conforme")
    NOT_APPLICABLE = "na", _l("Non applicable")


VERDICT_LABELS = Verdict.labels()


class _PerCriterion:
    """One row per dossier and criterion of its referential version."""

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("dossier_id", "criterion_id"),)

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    criterion_id: Mapped[int] = ref("referential_criteria")


class CriterionAnswer(_PerCriterion, Record):
    """The editor's answer to one criterion, with its justification and evidence."""

    __tablename__ = "dossier_answers"

    answer: Mapped[Answer] = mapped_column(stored_enum(Answer))
    justification: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int | None] = ref("users")

    dossier: Mapped[Dossier] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="Evidence.id"
    )


class _StoredFile:
    """A PDF or PNG file stored under ``ENS_DATA_DIR/evidence`` (outside the web root)
    under a random name; the original name is kept for the download only."""

    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = ref("users")


class Evidence(_StoredFile, Record):
    """A file supporting an answer."""

    __tablename__ = "dossier_evidence"

    answer_id: Mapped[int] = ref("dossier_answers", ondelete="CASCADE", index=True)

    answer: Mapped[CriterionAnswer] = relationship(back_populates="evidence")


class DataRequest(Record):
    """One requested data use: a SMART v2 scope, its purpose and retention period."""

    __tablename__ = "dossier_data_requests"
    __table_args__ = (UniqueConstraint("dossier_id", "scope"),)

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    scope: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[DataPurpose] = mapped_column(stored_enum(DataPurpose, 30))
    retention_days: Mapped[int]
    justification: Mapped[str] = mapped_column(Text, default="")

    dossier: Mapped[Dossier] = relationship(back_populates="data_requests")


class InformationRequest(Record):
    """An agent's questions to the editor, with a deadline; the clock is paused meanwhile."""

    __tablename__ = "dossier_information_requests"

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    questions: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    asked_by_id: Mapped[int | None] = ref("users")
    deadline: Mapped[date]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = ref("users")

    dossier: Mapped[Dossier] = relationship(back_populates="information_requests")
    attachments: Mapped[list[InformationAttachment]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="InformationAttachment.id"
    )

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and (today or date.today()) > self.deadline


class CriterionEvaluation(_PerCriterion, Record):
    """The verdict on one criterion of a dossier: an agent's own in a single-evaluated
    area; in a double-evaluated one, the two agents' common verdict or the lead agent's
    arbitration of their divergence (then ``reconciliation_reason`` says why)."""

    __tablename__ = "dossier_evaluations"

    verdict: Mapped[Verdict] = mapped_column(stored_enum(Verdict))
    comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluator_id: Mapped[int | None] = ref("users")
    reconciliation_reason: Mapped[str | None] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="evaluations")
    criterion: Mapped[Criterion] = relationship()


class EvaluatorRole(LabelledEnum):
    FIRST = "first", _l("Premier évaluateur")
    SECOND = "second", _l("Second évaluateur")


class DossierEvaluator(Record):
    """One of the two agents who evaluate a dossier's double-evaluated areas blind.

    The first is the first agent to record a verdict there; the second is named by
    another agent, ``assigned_by``, who is the *lead agent*: the one who reconciles the
    divergences. ``finished_at`` is set when the agent hands in their evaluation."""

    __tablename__ = "dossier_evaluators"
    __table_args__ = (
        UniqueConstraint("dossier_id", "agent_id"),
        UniqueConstraint("dossier_id", "role"),
    )

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    agent_id: Mapped[int] = ref("users")
    role: Mapped[EvaluatorRole] = mapped_column(stored_enum(EvaluatorRole, 10))
    assigned_by_id: Mapped[int | None] = ref("users")
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    dossier: Mapped[Dossier] = relationship(back_populates="evaluators")

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class IndependentEvaluation(Record):
    """One agent's own verdict on one criterion of a double-evaluated area, hidden from
    the other agent until both have finished."""

    __tablename__ = "dossier_independent_evaluations"
    __table_args__ = (UniqueConstraint("dossier_id", "criterion_id", "evaluator_id"),)

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", index=True)
    criterion_id: Mapped[int] = ref("referential_criteria")
    evaluator_id: Mapped[int] = ref("users")
    verdict: Mapped[Verdict] = mapped_column(stored_enum(Verdict))
    comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="independent_evaluations")
    criterion: Mapped[Criterion] = relationship()


class DossierConformanceRun(Record):
    """A finished sandbox conformance run the editor attached to the dossier: evidence for
    the interoperability and security criteria. ``summary`` copies what the reviewers see
    at a glance (checks version, passed / total) when it was attached."""

    __tablename__ = "dossier_conformance_runs"

    dossier_id: Mapped[int] = ref("dossiers", ondelete="CASCADE", unique=True)
    run_id: Mapped[int] = ref("conformance_runs")
    attached_by_id: Mapped[int] = ref("users")
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class InformationAttachment(_StoredFile, Record):
    """A file the editor sent with the answer to an information request."""

    __tablename__ = "dossier_information_attachments"

    request_id: Mapped[int] = ref("dossier_information_requests", ondelete="CASCADE", index=True)

    request: Mapped[InformationRequest] = relationship(back_populates="attachments")
