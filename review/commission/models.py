"""Commission tables: members, mandates, interest declarations (versioned), sessions,
agenda items, attendance, potential conflicts, recusals, comments and votes."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum

# An agenda item's relationship names Dossier: importing its module here maps it before any
# query configures the mappers, whichever package was imported first.
from review.dossiers.models import Dossier  # noqa: F401


class College(LabelledEnum):
    CO_CHAIR = "co_chair", _l("Coprésidence")
    CITIZEN = "citizen", _l("Citoyen (comité citoyen)")
    USER_REPRESENTATIVE = "user_representative", _l("Représentant des usagers")
    MEDICAL_EXPERT = "medical_expert", _l("Expert médical")
    LEGAL_ETHICS_EXPERT = (
        "legal_ethics_expert",
        _l("Expert en protection des données, éthique et droit"),
    )
    ENVIRONMENT_EXPERT = "environment_expert", _l("Expert en environnement")
    SECURITY_EXPERT = "security_expert", _l("Expert en sécurité et interopérabilité")
    EHEALTH_BUSINESS_EXPERT = "ehealth_business_expert", _l("Expert de l'économie de la e-santé")


class Section(LabelledEnum):
    MAIN_ACTIVITY = (
        "main_activity",
        _l("Activité professionnelle principale (actuelle et 5 dernières années)"),
    )
    BOARDS = "boards", _l("Participation à des organes de direction ou de surveillance")
    CONSULTING = "consulting", _l("Activités de conseil")
    RESEARCH = "research", _l("Études et travaux de recherche")
    PUBLICATIONS = "publications", _l("Publications et interventions")
    PATENTS = "patents", _l("Brevets et propriété intellectuelle")
    FUNDED_ACTIVITIES = "funded_activities", _l("Activités financées par des entreprises")
    HOLDINGS = "holdings", _l("Participations financières")
    RELATIVES = "relatives", _l("Liens de proches parents")
    OTHER = "other", _l("Autres liens")


class Sector(LabelledEnum):
    PHARMA_MEDTECH = "pharma_medtech", _l("Industrie pharmaceutique ou dispositifs médicaux")
    LARGE_IT = "large_it", _l("Grand groupe informatique ou cloud")
    EHEALTH_EDITOR = "ehealth_editor", _l("Éditeur de services numériques en santé")
    INSURER = "insurer", _l("Assureur ou mutuelle")
    PUBLIC_BODY = "public_body", _l("Organisme public")
    OTHER = "other", _l("Autre")

    @property
    def excluded(self) -> bool:
        """Sectors the citizen committee asked members to have no link with."""
        return self in (Sector.PHARMA_MEDTECH, Sector.LARGE_IT)


class Member(Record):
    """A person sitting (or having sat) on the commission; one per user account."""

    __tablename__ = "commission_members"

    user_id: Mapped[int] = ref("users", unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    mandates: Mapped[list[Mandate]] = relationship(
        back_populates="member", order_by="Mandate.starts_on", cascade="all, delete-orphan"
    )
    declarations: Mapped[list[Declaration]] = relationship(
        back_populates="member", order_by="Declaration.version", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        return self.user.name

    def mandate_on(self, on: date) -> Mandate | None:
        for mandate in self.mandates:
            if mandate.starts_on <= on <= mandate.ends_on:
                return mandate
        return None

    @property
    def latest_declaration(self) -> Declaration | None:
        return self.declarations[-1] if self.declarations else None


class Mandate(Record):
    """One term; history is never rewritten (a new term is a new row)."""

    __tablename__ = "commission_mandates"

    member_id: Mapped[int] = ref("commission_members", ondelete="CASCADE", index=True)
    college: Mapped[College] = mapped_column(stored_enum(College, 40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # 1 for a first term, 2 for a renewal following it; a third is refused.
    consecutive_number: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="mandates")

    def is_valid_on(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on


class Declaration(Record):
    """One version of a member's public interest declaration (versions are immutable)."""

    __tablename__ = "commission_declarations"
    __table_args__ = (UniqueConstraint("member_id", "version"),)

    member_id: Mapped[int] = ref("commission_members", ondelete="CASCADE", index=True)
    version: Mapped[int]
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    statement: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(back_populates="declarations")
    links: Mapped[list[DeclarationLink]] = relationship(
        back_populates="declaration", order_by="DeclarationLink.id", cascade="all, delete-orphan"
    )


class DeclarationLink(Record):
    __tablename__ = "commission_declaration_links"

    declaration_id: Mapped[int] = ref("commission_declarations", ondelete="CASCADE", index=True)
    section: Mapped[Section] = mapped_column(stored_enum(Section, 40))
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_siren: Mapped[str | None] = mapped_column(String(9))
    sector: Mapped[Sector] = mapped_column(stored_enum(Sector, 40))
    nature: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    amount_eur: Mapped[int | None]

    declaration: Mapped[Declaration] = relationship(back_populates="links")

    def describe(self) -> str:
        """One line per link, stable across versions: what the diff compares."""
        parts = [
            self.section.label,
            self.organisation_name
            + (f" (SIREN {self.organisation_siren})" if self.organisation_siren else ""),
            self.sector.label,
            self.nature,
            f"{self.starts_on.isoformat() if self.starts_on else '…'} → "
            f"{self.ends_on.isoformat() if self.ends_on else '…'}",
        ]
        if self.amount_eur is not None:
            parts.append(f"{self.amount_eur} €")
        return " · ".join(parts)


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    CLOSED = "closed"


class CommissionSession(Record):
    __tablename__ = "commission_sessions"

    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    presiding_member_id: Mapped[int] = ref("commission_members")
    # A session reconvened after a lack of quorum may deliberate without quorum.
    reconvened_from_id: Mapped[int | None] = ref("commission_sessions")
    status: Mapped[SessionStatus] = mapped_column(
        stored_enum(SessionStatus), default=SessionStatus.PLANNED
    )
    convened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    presiding_member: Mapped[Member] = relationship(foreign_keys=[presiding_member_id])
    reconvened_from: Mapped[CommissionSession | None] = relationship(
        remote_side="CommissionSession.id"
    )
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def is_reconvened(self) -> bool:
        return self.reconvened_from_id is not None

    @property
    def held_on(self) -> date:
        return self.held_at.date()


class ItemStatus(LabelledEnum):
    PENDING = "pending", _l("À délibérer")  # on the agenda, not deliberated yet
    VOTING = "voting", _l("Vote ouvert")  # quorum checked, votes open
    POSTPONED = "postponed", _l("Reporté faute de quorum")  # no quorum: to a reconvened session
    CLOSED = "closed", _l("Avis rendu")  # opinion recorded
    WITHDRAWN = "withdrawn", _l("Retiré de l'ordre du jour")  # taken off the agenda


class VoteChoice(LabelledEnum):
    FAVOURABLE = "favourable", _l("Avis favorable")
    FAVOURABLE_NON_SUSPENSIVE = (
        "favourable_non_suspensive",
        _l("Avis favorable avec réserves non suspensives"),
    )
    FAVOURABLE_SUSPENSIVE = "favourable_suspensive", _l("Avis favorable avec réserves suspensives")
    UNFAVOURABLE = "unfavourable", _l("Avis défavorable")
    ABSTAIN = "abstain", _l("Abstention")

    @property
    def needs_reservations(self) -> bool:
        return self in (VoteChoice.FAVOURABLE_NON_SUSPENSIVE, VoteChoice.FAVOURABLE_SUSPENSIVE)

    @property
    def is_favourable(self) -> bool:
        return self.value.startswith("favourable")


class AgendaItem(Record):
    __tablename__ = "commission_agenda_items"
    __table_args__ = (UniqueConstraint("session_id", "dossier_id"),)

    session_id: Mapped[int] = ref("commission_sessions", ondelete="CASCADE", index=True)
    dossier_id: Mapped[int] = ref("dossiers", index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[ItemStatus] = mapped_column(stored_enum(ItemStatus), default=ItemStatus.PENDING)
    # Quorum as checked when deliberation opened.
    eligible_count: Mapped[int | None]
    present_count: Mapped[int | None]
    quorum_met: Mapped[bool | None]
    without_quorum: Mapped[bool] = mapped_column(default=False)  # reconvened session
    opinion: Mapped[VoteChoice | None] = mapped_column(stored_enum(VoteChoice, 40))
    opinion_reservations: Mapped[str] = mapped_column(Text, default="")
    tie_broken_by_chair: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    postponed_to_id: Mapped[int | None] = ref("commission_agenda_items")

    session: Mapped[CommissionSession] = relationship(back_populates="items")
    dossier = relationship("Dossier")
    conflicts: Mapped[list[PotentialConflict]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="PotentialConflict.id"
    )
    recusals: Mapped[list[Recusal]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Recusal.id"
    )
    votes: Mapped[list[Vote]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Vote.id"
    )
    comments: Mapped[list[ItemComment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemComment.id"
    )

    @property
    def recused_member_ids(self) -> set[int]:
        return {r.member_id for r in self.recusals}


class Attendance(Record):
    __tablename__ = "commission_attendance"
    __table_args__ = (UniqueConstraint("session_id", "member_id"),)

    session_id: Mapped[int] = ref("commission_sessions", ondelete="CASCADE", index=True)
    member_id: Mapped[int] = ref("commission_members")
    present: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = ref("users")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[CommissionSession] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()


class ConflictStatus(LabelledEnum):
    POTENTIAL = "potential", _l("Conflit potentiel à examiner")
    CONFIRMED = "confirmed", _l("Confirmé : déport")
    DISMISSED = "dismissed", _l("Écarté")


class PotentialConflict(Record):
    """A declared link matching the dossier's organisation or owners, for the chair."""

    __tablename__ = "commission_conflicts"
    __table_args__ = (UniqueConstraint("item_id", "member_id", "link_id"),)

    item_id: Mapped[int] = ref("commission_agenda_items", ondelete="CASCADE", index=True)
    member_id: Mapped[int] = ref("commission_members")
    link_id: Mapped[int] = ref("commission_declaration_links")
    matched_on: Mapped[str] = mapped_column(String(20))  # siren | name | parent_group
    matched_entity: Mapped[str] = mapped_column(String(200))
    status: Mapped[ConflictStatus] = mapped_column(
        stored_enum(ConflictStatus), default=ConflictStatus.POTENTIAL
    )
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = ref("users")
    decided_at: Mapped[datetime | None]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="conflicts")
    member: Mapped[Member] = relationship()
    link: Mapped[DeclarationLink] = relationship()

    @property
    def matched_on_label(self) -> str:
        return str(MATCH_LABELS.get(self.matched_on, self.matched_on))


MATCH_LABELS = {
    "siren": _l("même SIREN"),
    "name": _l("même nom, après normalisation"),
    "parent_group": _l("groupe de l'actionnaire de contrôle"),
}


class RecusalOrigin(LabelledEnum):
    CONFLICT = "conflict", _l("Conflit confirmé par la présidence")  # confirmed by the chair
    SELF = "self", _l("Déport à l'initiative du membre")  # the member's own initiative


class Recusal(Record):
    __tablename__ = "commission_recusals"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    item_id: Mapped[int] = ref("commission_agenda_items", ondelete="CASCADE", index=True)
    member_id: Mapped[int] = ref("commission_members", index=True)
    origin: Mapped[RecusalOrigin] = mapped_column(stored_enum(RecusalOrigin))
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = ref("users")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="recusals")
    member: Mapped[Member] = relationship()


class ItemComment(Record):
    """A member's comment on an agenda item, read by the other non-recused members."""

    __tablename__ = "commission_item_comments"

    item_id: Mapped[int] = ref("commission_agenda_items", ondelete="CASCADE", index=True)
    member_id: Mapped[int] = ref("commission_members")
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="comments")
    member: Mapped[Member] = relationship()


class Vote(Record):
    """One vote per member and item: the unique constraint makes a concurrent double
    submission store a single vote."""

    __tablename__ = "commission_votes"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    item_id: Mapped[int] = ref("commission_agenda_items", ondelete="CASCADE", index=True)
    member_id: Mapped[int] = ref("commission_members")
    choice: Mapped[VoteChoice] = mapped_column(stored_enum(VoteChoice, 40))
    reservations: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    member: Mapped[Member] = relationship()
