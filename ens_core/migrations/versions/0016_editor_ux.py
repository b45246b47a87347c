"""editor portal: files attached to the answer to an information request

Create Date: 2026-12-03 10:45:00

"""

from ens_core.migrations.helpers import create_table, drop_tables, ref, stored_file

# revision identifiers, used by Alembic.
revision = "0016_editor_ux"
down_revision = "0015_sessions"


def upgrade():
    create_table("dossier_information_attachments",
        ref("request_id", "dossier_information_requests", ondelete="CASCADE", index=True),
        *stored_file(),
    )


def downgrade():
    drop_tables("dossier_information_attachments")
