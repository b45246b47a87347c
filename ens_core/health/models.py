"""The citizen's health space: measurements, documents (with their binary content),
appointments, hiding choices, delegation, the hash-chained access log, abuse reports and
known login devices."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ens_core.db import db, utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


def new_public_id() -> str:
    """Resource ids exposed through FHIR: random, so that they reveal nothing (no counts,
    no order) and cannot be guessed from one another."""
    return uuid.uuid4().hex


class _HealthRecord:
    """A record of the citizen's health space, exposed through FHIR: its public id, whose
    it is, who wrote it (a service through one of its clients, or a person on the web)
    and its version."""

    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    citizen_id: Mapped[int] = ref("users", ondelete="CASCADE")
    source_service_id: Mapped[int | None] = ref("services")
    source_client_id: Mapped[int | None] = ref("oauth_clients")
    entered_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class Measurement(_HealthRecord, Record):
    """One Observation of the national measures guide (see ``ens_core.fhir.profiles``).

    Blood pressure keeps systolic in ``value`` and diastolic in ``value2``.
    """

    __tablename__ = "health_measurements"
    __table_args__ = (
        # The FHIR search path: one citizen, one code, newest first. Its cost depends on
        # the citizen's own rows only, never on the size of the table.
        Index("ix_health_measurements_citizen_code_at", "citizen_id", "code", "effective_at"),
        Index("ix_health_measurements_citizen_at", "citizen_id", "effective_at"),
    )

    kind: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(20))
    effective_at: Mapped[datetime]
    value: Mapped[float]
    value2: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="final")
    note: Mapped[str | None] = mapped_column(Text)


class Binary(Record):
    """The content of a document, kept in the database so that it is written in the same
    transaction as its DocumentReference (and its access log entry)."""

    __tablename__ = "health_binaries"

    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    citizen_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(_HealthRecord, Record):
    __tablename__ = "health_documents"
    __table_args__ = (Index("ix_health_documents_citizen_date", "citizen_id", "date"),)

    type_code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    date: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="current")
    binary_id: Mapped[int] = ref("health_binaries")
    hidden_at: Mapped[datetime | None]

    binary: Mapped[Binary] = relationship()


class Appointment(_HealthRecord, Record):
    __tablename__ = "health_appointments"
    __table_args__ = (Index("ix_health_appointments_citizen_start", "citizen_id", "start"),)

    status: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    practitioner: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    start: Mapped[datetime]
    end: Mapped[datetime]
    cancelation_reason: Mapped[str | None] = mapped_column(String(300))


class HiddenDataType(Record):
    """A data type the citizen hides from every connected service."""

    __tablename__ = "health_hidden_types"
    __table_args__ = (UniqueConstraint("citizen_id", "data_type"),)

    citizen_id: Mapped[int] = ref("users", ondelete="CASCADE")
    data_type: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuardianshipKind(LabelledEnum):
    MINOR = "minor", _l("Représentant légal d'un mineur")  # parental authority, ends at 18
    TUTELLE = "tutelle", _l("Tuteur (tutelle)")
    CURATELLE = "curatelle", _l("Curateur (curatelle)")


class Guardianship(Record):
    """A guardian linked to a ward by an agent of the authority."""

    __tablename__ = "health_guardianships"
    __table_args__ = (Index("ix_health_guardianships_pair", "guardian_id", "ward_id"),)

    guardian_id: Mapped[int] = ref("users", ondelete="CASCADE")
    ward_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    kind: Mapped[GuardianshipKind] = mapped_column(stored_enum(GuardianshipKind))
    # Court decision reference for protected adults; the agent records what was checked.
    reference: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = ref("users", ondelete="SET NULL")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_on: Mapped[date | None]
    ended_at: Mapped[datetime | None]

    guardian = relationship("User", foreign_keys=[guardian_id])
    ward = relationship("User", foreign_keys=[ward_id])


class GuardianHiding(Record):
    """What a minor of 15 or more hides from their guardian(s): a service or a document."""

    __tablename__ = "health_guardian_hidings"
    __table_args__ = (UniqueConstraint("ward_id", "service_id", "document_id"),)

    ward_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    service_id: Mapped[int | None] = ref("services", ondelete="CASCADE")
    document_id: Mapped[int | None] = ref("health_documents", ondelete="CASCADE")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLogEntry(Record):
    """One line of a citizen's access log, chained to the previous one by its hash.

    ``hash = sha256(previous hash + canonical JSON of the entry)``; ``seq`` is unique per
    citizen so that two concurrent writers cannot fork the chain.
    """

    __tablename__ = "health_access_log"
    __table_args__ = (
        UniqueConstraint("citizen_id", "seq"),
        Index("ix_health_access_log_citizen_at", "citizen_id", "at"),
    )

    citizen_id: Mapped[int] = ref("users", ondelete="CASCADE")
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # service | delegate | citizen
    service_id: Mapped[int | None] = ref("services", ondelete="SET NULL")
    client_id: Mapped[str | None] = mapped_column(String(64))
    # Names as they were at the time (a service may be renamed later).
    service_name: Mapped[str | None] = mapped_column(String(200))
    editor_name: Mapped[str | None] = mapped_column(String(200))
    actor_user_id: Mapped[int | None] = ref("users", ondelete="SET NULL")
    actor_name: Mapped[str | None] = mapped_column(String(200))
    interaction: Mapped[str] = mapped_column(String(20))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_ids: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))  # success | denied | invalid | not_found
    status_code: Mapped[int]
    detail: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AccessLogHead(db.Model):
    """The last link of a citizen's chain; locked (SELECT … FOR UPDATE) while appending."""

    __tablename__ = "health_access_log_heads"

    citizen_id: Mapped[int] = ref("users", ondelete="CASCADE", primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AbuseCategory(LabelledEnum):
    DATA_MISUSE = "data_misuse", _l("Utilisation de mes données sans mon accord")
    UNEXPECTED_ACCESS = "unexpected_access", _l("Accès à des données que je n'ai pas autorisées")
    ADVERTISING = "advertising", _l("Publicité ou revente de données")
    MISLEADING = "misleading", _l("Information trompeuse sur le service")
    SECURITY = "security", _l("Problème de sécurité")
    OTHER = "other", _l("Autre problème")


ABUSE_LABELS = AbuseCategory.labels()


class AbuseReport(Record):
    """A complaint filed by a citizen on a service; triaged by surveillance."""

    __tablename__ = "health_abuse_reports"

    reporter_id: Mapped[int] = ref("users", ondelete="CASCADE")
    service_id: Mapped[int] = ref("services", index=True)
    category: Mapped[AbuseCategory] = mapped_column(stored_enum(AbuseCategory, 30))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = ref("users", ondelete="SET NULL")
    resolution: Mapped[str | None] = mapped_column(Text)

    service = relationship("Service")
    reporter = relationship("User", foreign_keys=[reporter_id])


class KnownDevice(Record):
    """A browser a user has logged in from (device cookie, SHA-256 only at rest)."""

    __tablename__ = "health_known_devices"
    __table_args__ = (UniqueConstraint("user_id", "token_hash"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    token_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
