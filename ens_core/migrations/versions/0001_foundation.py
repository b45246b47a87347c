"""foundation

Create Date: 2026-11-23 11:54:43.597213

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0001_foundation'
down_revision = None


def upgrade():
    _create_accounts()
    _create_services_and_clients()


def _create_accounts():
    """Sign-in, organisations, users, audit trail and notifications."""
    create_table("login_attempts",
        column("email", sa.String(254)),
        timestamp("at"),
        column("succeeded", sa.Boolean()),
        column("ip", sa.String(45), nullable=True),
        indexes={"ix_login_attempts_email_at": ["email", "at"]},
    )
    create_table("login_locks",
        column("email", sa.String(254)),
        timestamp("locked_until"),
        primary_key="email",
    )
    create_table("organisations",
        column("legal_name", sa.String(200)),
        column("siren", sa.String(9), nullable=True, unique=True),
        column("foreign_registration", sa.String(60), nullable=True),
        column("country", sa.String(2)),
        column("address", sa.Text(), nullable=True),
        column("contact_email", sa.String(254), nullable=True),
        timestamp("created_at"),
    )
    create_table("users",
        column("email", sa.String(254), unique=True),
        column("name", sa.String(200)),
        column("birth_date", sa.Date(), nullable=True),
        column("password_hash", sa.String(255)),
        column("is_active_account", sa.Boolean()),
        column("is_synthetic", sa.Boolean()),
        column("preferred_locale", sa.String(5), nullable=True),
        timestamp("created_at"),
        column("session_version", sa.Integer()),
    )
    create_table("audit_events",
        timestamp("at"),
        ref("actor_id", "users", nullable=True, ondelete="SET NULL"),
        column("action", sa.String(80)),
        column("object_type", sa.String(60)),
        column("object_id", sa.String(80)),
        column("details", sa.JSON()),
        indexes={"ix_audit_events_object": ["object_type", "object_id"]},
    )
    create_table("notifications",
        ref("user_id", "users", ondelete="CASCADE"),
        column("kind", sa.String(60)),
        column("title", sa.String(300)),
        column("body", sa.Text()),
        column("link", sa.String(500), nullable=True),
        timestamp("created_at"),
        timestamp("read_at", nullable=True),
        indexes={"ix_notifications_user_created": ["user_id", "created_at"]},
    )


def _create_services_and_clients():
    """Organisation members, services, roles and OAuth clients."""
    create_table("organisation_members",
        ref("organisation_id", "organisations", ondelete="CASCADE", index=True),
        ref("user_id", "users", ondelete="CASCADE", index=True),
        column("role", enum("memberrole", "OWNER", "MEMBER")),
        timestamp("joined_at"),
        unique=[("organisation_id", "user_id")],
    )
    create_table("services",
        ref("organisation_id", "organisations", index=True),
        column("name", sa.String(200)),
        column("slug", sa.String(120), unique=True),
        column("short_description", sa.String(300)),
        column("status", enum("servicestatus", "DRAFT", "REFERENCED", "SUSPENDED", "DELISTED"), index=True),
        column("status_reason", sa.Text(), nullable=True),
        timestamp("status_changed_at", nullable=True),
        timestamp("created_at"),
    )
    create_table("user_roles",
        ref("user_id", "users", ondelete="CASCADE"),
        column("role", enum("role", "CITIZEN", "EDITOR", "COMMISSIONER", "AGENT", "ADMIN")),
        timestamp("granted_at"),
        unique=[("user_id", "role")],
    )
    create_table("oauth_clients",
        column("client_id", sa.String(64), unique=True),
        ref("service_id", "services", index=True),
        column("kind", enum("clientkind", "SANDBOX", "PRODUCTION")),
        column("name", sa.String(200)),
        column("token_endpoint_auth_method", enum("authmethod", "NONE", "CLIENT_SECRET_BASIC", "PRIVATE_KEY_JWT", length=30)),
        column("secret_hash", sa.String(64), nullable=True),
        column("redirect_uris", sa.JSON()),
        column("scope_ceiling", sa.Text()),
        column("jwks", sa.JSON(), nullable=True),
        column("is_enabled", sa.Boolean()),
        timestamp("created_at"),
        timestamp("disabled_at", nullable=True),
    )

def downgrade():
    drop_tables(
        "oauth_clients", "user_roles", "services", "organisation_members", "notifications",
        "audit_events", "users", "organisations", "login_locks", "login_attempts",
    )
