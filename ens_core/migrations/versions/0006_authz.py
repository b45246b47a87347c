"""authorization server

Create Date: 2026-11-23 12:08:23.044296

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0006_authz'
down_revision = '0005_commission'


def upgrade():
    _create_keys_and_codes()
    _create_consents_and_tokens()


def _create_keys_and_codes():
    """Signing keys, client assertions (replay) and authorization codes."""
    create_table("oauth_signing_keys",
        column("kid", sa.String(64), unique=True),
        column("alg", sa.String(10), index=True),
        column("public_jwk", sa.JSON()),
        column("private_key_encrypted", sa.Text()),
        timestamp("created_at"),
        timestamp("retired_at", nullable=True),
    )
    create_table("oauth_client_assertions",
        ref("client_id", "oauth_clients"),
        column("jti", sa.String(255)),
        timestamp("expires_at"),
        unique=[("client_id", "jti")],
    )
    create_table("oauth_codes",
        column("code_hash", sa.String(64), unique=True),
        ref("client_id", "oauth_clients", index=True),
        ref("grant_id", "oauth_grants", index=True),
        column("redirect_uri", sa.Text()),
        column("scope", sa.Text()),
        column("code_challenge", sa.String(128)),
        column("code_challenge_method", sa.String(10)),
        column("nonce", sa.String(255), nullable=True),
        column("auth_time", sa.Integer(), nullable=True),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
    )


def _create_consents_and_tokens():
    """Consent receipts, tokens and the grant columns they need."""
    create_table("oauth_consent_receipts",
        column("public_id", sa.String(36), unique=True),
        ref("grant_id", "oauth_grants", index=True),
        ref("citizen_id", "users", index=True),
        ref("consented_by_id", "users"),
        ref("service_id", "services"),
        ref("client_id", "oauth_clients"),
        column("scopes", sa.Text()),
        column("document", sa.JSON()),
        timestamp("created_at"),
    )
    create_table("oauth_tokens",
        ref("grant_id", "oauth_grants", index=True),
        ref("client_id", "oauth_clients", index=True),
        ref("code_id", "oauth_codes", nullable=True, index=True),
        ref("parent_id", "oauth_tokens", nullable=True),
        column("jti", sa.String(64), unique=True),
        column("scope", sa.Text()),
        timestamp("issued_at"),
        timestamp("access_expires_at"),
        column("refresh_token_hash", sa.String(64), nullable=True, unique=True),
        timestamp("refresh_expires_at", nullable=True),
        timestamp("refresh_used_at", nullable=True),
        timestamp("revoked_at", nullable=True),
        column("revoked_reason", sa.String(200), nullable=True),
    )
    add_columns(
        "oauth_clients",
        column("id_token_signed_response_alg", sa.String(10), server_default="RS256"),
    )
    add_columns(
        "oauth_grants",
        column("purpose", sa.Text(), nullable=True),
    )

def downgrade():
    drop_columns("oauth_grants", "purpose")
    drop_columns("oauth_clients", "id_token_signed_response_alg")
    drop_tables(
        "oauth_tokens", "oauth_consent_receipts", "oauth_codes", "oauth_client_assertions",
        "oauth_signing_keys",
    )
