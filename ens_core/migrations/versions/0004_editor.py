"""editor portal

Create Date: 2026-11-23 12:10:54.893935

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0004_editor'
down_revision = '0003_listing_grants'


def upgrade():
    create_table("editor_invitations",
        ref("organisation_id", "organisations", ondelete="CASCADE", index=True),
        column("email", sa.String(254)),
        column("token_hash", sa.String(64), unique=True),
        ref("invited_by_id", "users", nullable=True),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("accepted_at", nullable=True),
        ref("accepted_by_id", "users", nullable=True),
        timestamp("revoked_at", nullable=True),
    )
    add_columns(
        "organisations",
        column("contact_name", sa.String(200), nullable=True),
        column("contact_phone", sa.String(30), nullable=True),
    )


def downgrade():
    drop_columns("organisations", "contact_phone", "contact_name")
    drop_tables("editor_invitations")
