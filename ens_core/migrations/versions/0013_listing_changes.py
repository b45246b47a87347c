"""listing changes: an editor's proposed change to a published listing, reviewed by an agent

Create Date: 2026-12-03 10:45:00

The public history's new kind of entry (``listing_changed``) needs no schema change: the
models' enums are stored as strings without a database type or check.
"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = "0013_listing_changes"
down_revision = "0012_double_evaluation"


def upgrade():
    create_table("listing_changes",
        ref("service_id", "services", index=True),
        column("fields", sa.JSON()),
        column("state", enum("listingchangestate", "PENDING", "ACCEPTED", "REJECTED", "SUPERSEDED"), index=True),
        ref("proposed_by_id", "users"),
        timestamp("proposed_at"),
        ref("reviewed_by_id", "users", nullable=True),
        timestamp("reviewed_at", nullable=True),
        column("review_comment", sa.Text(), nullable=True),
    )


def downgrade():
    drop_tables("listing_changes")
