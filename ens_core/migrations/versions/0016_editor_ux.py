"""editor portal: files attached to the answer to an information request

Create Date: 2026-12-03 10:45:00

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, ref, timestamp

# revision identifiers, used by Alembic.
revision = "0016_editor_ux"
down_revision = "0015_sessions"


def upgrade():
    create_table("dossier_information_attachments",
        ref("request_id", "dossier_information_requests", ondelete="CASCADE", index=True),
        column("original_name", sa.String(200)),
        column("stored_name", sa.String(80), unique=True),
        column("content_type", sa.String(40)),
        column("size", sa.Integer()),
        column("sha256", sa.String(64)),
        timestamp("uploaded_at"),
        ref("uploaded_by_id", "users", nullable=True),
    )


def downgrade():
    drop_tables("dossier_information_attachments")
