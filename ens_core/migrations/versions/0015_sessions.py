"""server-side sessions, e-mailed links, throttle counters (the login lock goes)

Create Date: 2026-12-03 10:50:00

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = "0015_sessions"
down_revision = "0014_conformance"


def upgrade():
    create_table("user_sessions",
        ref("user_id", "users", ondelete="CASCADE"),
        column("token_hash", sa.String(64), unique=True),
        column("user_agent", sa.String(300)),
        timestamp("created_at"),
        timestamp("last_seen_at"),
        timestamp("ended_at", nullable=True),
        indexes={"ix_user_sessions_user_ended": ["user_id", "ended_at"]},
    )
    create_table("account_tokens",
        ref("user_id", "users", ondelete="CASCADE", index=True),
        column("purpose", enum("tokenpurpose", "PASSWORD_RESET", "SIGN_IN")),
        column("token_hash", sa.String(64), unique=True),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
    )
    create_table("throttle_counters",
        column("key", sa.String(64)),
        column("count", sa.Integer()),
        timestamp("last_at"),
        primary_key="key",
    )
    drop_tables("login_locks")


def downgrade():
    create_table("login_locks",
        column("email", sa.String(254)),
        timestamp("locked_until"),
        primary_key="email",
    )
    drop_tables("throttle_counters", "account_tokens", "user_sessions")
