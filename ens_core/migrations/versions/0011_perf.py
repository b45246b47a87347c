"""perf: index the rotation link of tokens (ens authz purge)

Deleting purged tokens checks the foreign key ``oauth_tokens.parent_id`` of the kept ones,
and the purge clears the links that point at purged tokens: without this index each check
is a scan of the whole table.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_perf"
down_revision = "0010_sovereignty"


def upgrade():
    op.create_index("ix_oauth_tokens_parent_id", "oauth_tokens", ["parent_id"])


def downgrade():
    op.drop_index("ix_oauth_tokens_parent_id", table_name="oauth_tokens")
