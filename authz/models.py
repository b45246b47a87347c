"""OAuth clients. Grants, codes and tokens are added with the authorization server."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import utcnow
from ens_core.models_support import Record, ref, stored_enum


class ClientKind(enum.StrEnum):
    SANDBOX = "sandbox"  # created at once for an editor; synthetic citizens only
    PRODUCTION = "production"  # created by a referencing decision; ceiling = approved scopes


class AuthMethod(enum.StrEnum):
    NONE = "none"  # public client, PKCE only
    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 (a method name)
    PRIVATE_KEY_JWT = "private_key_jwt"


class Client(Record):
    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[int] = ref("services", index=True)
    kind: Mapped[ClientKind] = mapped_column(stored_enum(ClientKind))
    name: Mapped[str] = mapped_column(String(200))
    token_endpoint_auth_method: Mapped[AuthMethod] = mapped_column(stored_enum(AuthMethod, 30))
    # SHA-256 of the secret (confidential symmetric clients only); the secret is shown once.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Space-separated SMART scopes: the most this client may ever be granted.
    scope_ceiling: Mapped[str] = mapped_column(Text, default="")
    jwks: Mapped[dict | None] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # OpenID Connect: RS256 (the default every RP supports) or ES256.
    id_token_signed_response_alg: Mapped[str] = mapped_column(
        String(10), default="RS256", server_default="RS256"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


class Grant(Record):
    """A citizen's consent to one service: unique per (citizen, service), updated on
    re-consent. Revoking it revokes every token issued under it, at once: the resource
    server checks the grant on every request."""

    __tablename__ = "oauth_grants"
    __table_args__ = (UniqueConstraint("citizen_id", "service_id"),)

    citizen_id: Mapped[int] = ref("users", index=True)
    service_id: Mapped[int] = ref("services", index=True)
    client_id: Mapped[int] = ref("oauth_clients")
    # Space-separated SMART scopes actually granted.
    scopes: Mapped[str] = mapped_column(Text)
    # Who ticked the boxes: the citizen, or a guardian acting for them.
    consented_by_id: Mapped[int] = ref("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    # The purposes declared for the granted scopes, as shown on the consent screen.
    purpose: Mapped[str | None] = mapped_column(Text)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# --- Authorization server state (codes, tokens, signing keys, receipts) -------------------


class SigningKey(Record):
    """A JWS signing key. The private key is stored encrypted (Fernet, key derived from
    ``ENS_KEY_ENCRYPTION_KEY`` or the app secret) and never logged. A retired key no longer
    signs but stays in the JWKS until every token it signed has expired."""

    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(10), index=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    def __repr__(self) -> str:  # never shows key material
        return f"<SigningKey {self.kid} {self.alg}>"


class AuthorizationCode(Record):
    """A single-use authorization code (its SHA-256 only), bound to the client, the
    redirect URI and the PKCE challenge; lives at most 60 seconds."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = ref("oauth_clients", index=True)
    grant_id: Mapped[int] = ref("oauth_grants", index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    nonce: Mapped[str | None] = mapped_column(String(255))
    auth_time: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    # Authlib's AuthorizationCodeMixin (and OpenID Connect's) accessors.
    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri or None

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int | None:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Token(Record):
    """One issued access token (by its ``jti``) and, with offline access, its refresh token
    (SHA-256 only). Tokens of one grant form its family; a refresh token is single-use
    (rotation) and ``parent_id`` links each token to the one it replaced."""

    __tablename__ = "oauth_tokens"

    grant_id: Mapped[int] = ref("oauth_grants", index=True)
    client_id: Mapped[int] = ref("oauth_clients", index=True)
    code_id: Mapped[int | None] = ref("oauth_codes", index=True)
    parent_id: Mapped[int | None] = ref("oauth_tokens", index=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    access_expires_at: Mapped[datetime]
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    refresh_expires_at: Mapped[datetime | None]
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))


class ConsentReceipt(Record):
    """What the citizen (or their guardian) agreed to, when: the signed-off record shown
    as a page and as JSON."""

    __tablename__ = "oauth_consent_receipts"

    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    grant_id: Mapped[int] = ref("oauth_grants", index=True)
    citizen_id: Mapped[int] = ref("users", index=True)
    consented_by_id: Mapped[int] = ref("users")
    service_id: Mapped[int] = ref("services")
    client_id: Mapped[int] = ref("oauth_clients")
    scopes: Mapped[str] = mapped_column(Text)
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientAssertion(Record):
    """``jti`` of the private_key_jwt assertions already seen (replay protection)."""

    __tablename__ = "oauth_client_assertions"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    client_id: Mapped[int] = ref("oauth_clients")
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]
