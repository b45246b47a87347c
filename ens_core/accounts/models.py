"""Accounts: one User with several roles, and the login attempts that drive lockout."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import db, utcnow
from ens_core.models_support import LabelledEnum, ref, stored_enum


class Role(LabelledEnum):
    CITIZEN = "citizen", _l("Titulaire d'un espace santé")
    EDITOR = "editor", _l("Éditeur de services")
    COMMISSIONER = "commissioner", _l("Membre de la commission")
    AGENT = "agent", _l("Agent de l'autorité de référencement")
    ADMIN = "admin", _l("Administrateur")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Synthetic citizens live in the sandbox: only sandbox OAuth clients may act on them.
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped when the password changes so that other sessions are logged out.
    session_version: Mapped[int] = mapped_column(default=1)

    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {link.role for link in self.role_links}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return self.is_active_account

    def get_id(self) -> str:
        # The session carries the version: a password change invalidates old sessions.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    role: Mapped[Role] = mapped_column(stored_enum(Role))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_links")


class LoginAttempt(db.Model):
    """One failed or successful login, keyed by the normalised email typed.

    Keyed by email rather than user so that unknown emails are throttled exactly like
    known ones: the lockout must not reveal which addresses have an account.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(45))


class LoginLock(db.Model):
    """An account (by email) locked after too many failures, until ``locked_until``."""

    __tablename__ = "login_locks"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    locked_until: Mapped[datetime]
