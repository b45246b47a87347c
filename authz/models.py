"""OAuth clients. Grants, codes and tokens are added with the authorization server."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import db, utcnow


class ClientKind(enum.StrEnum):
    SANDBOX = "sandbox"  # created at once for an editor; synthetic citizens only
    PRODUCTION = "production"  # created by a referencing decision; ceiling = approved scopes


class AuthMethod(enum.StrEnum):
    NONE = "none"  # public client, PKCE only
    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method name)
    PRIVATE_KEY_JWT = "private_key_jwt"


class Client(db.Model):
    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    kind: Mapped[ClientKind] = mapped_column(Enum(ClientKind, native_enum=False, length=20))
    name: Mapped[str] = mapped_column(String(200))
    token_endpoint_auth_method: Mapped[AuthMethod] = mapped_column(
        Enum(AuthMethod, native_enum=False, length=30)
    )
    # SHA-256 of the secret (confidential symmetric clients only); the secret is shown once.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Space-separated SMART scopes: the most this client may ever be granted.
    scope_ceiling: Mapped[str] = mapped_column(Text, default="")
    jwks: Mapped[dict | None] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


class Grant(db.Model):
    """A citizen's consent to one service: unique per (citizen, service), updated on
    re-consent. Revoking it revokes every token issued under it, at once: the resource
    server checks the grant on every request."""

    __tablename__ = "oauth_grants"
    __table_args__ = (UniqueConstraint("citizen_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"))
    # Space-separated SMART scopes actually granted.
    scopes: Mapped[str] = mapped_column(Text)
    # Who ticked the boxes: the citizen, or a guardian acting for them.
    consented_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
