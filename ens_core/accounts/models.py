"""Accounts: one User with several roles, the login attempts, the server-side sessions
and the single-use links sent by e-mail (password reset, sign-in link)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ens_core.db import utcnow
from ens_core.models_support import LabelledEnum, Record, ref, stored_enum


class Role(LabelledEnum):
    CITIZEN = "citizen", _l("Titulaire d'un espace santé")
    EDITOR = "editor", _l("Éditeur de services")
    COMMISSIONER = "commissioner", _l("Membre de la commission")
    AGENT = "agent", _l("Agent de l'autorité de référencement")
    ADMIN = "admin", _l("Administrateur")


class User(UserMixin, Record):
    __tablename__ = "users"

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


class UserRole(Record):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    role: Mapped[Role] = mapped_column(stored_enum(Role))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_links")


class LoginAttempt(Record):
    """One failed or successful login, keyed by the normalised email typed: the record
    of who tried what from where. Throttling counts elsewhere (``ens_core.throttle``)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)

    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(45))


class UserSession(Record):
    """A signed-in browser. The session cookie carries a random id; only its SHA-256 is
    kept here, so a copy of the table opens no session. Logging out, "log out
    everywhere", inactivity and the absolute lifetime end it for good: a cookie saved
    before is refused afterwards."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_ended", "user_id", "ended_at"),)

    user_id: Mapped[int] = ref("users", ondelete="CASCADE")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class TokenPurpose(LabelledEnum):
    PASSWORD_RESET = "password_reset", _l("Réinitialisation du mot de passe")
    SIGN_IN = "sign_in", _l("Lien de connexion")


class AccountToken(Record):
    """A single-use link sent by e-mail (only the SHA-256 of its secret is kept)."""

    __tablename__ = "account_tokens"

    user_id: Mapped[int] = ref("users", ondelete="CASCADE", index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(stored_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
