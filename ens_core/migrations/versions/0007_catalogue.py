"""public catalogue search

The search documents (a table the models describe) and, per backend, the full-text
structure over them, named ``fts_*`` so that autogenerate ignores it
(``ens_core.database.include_name``):

- SQLite: FTS5 virtual table ``fts_catalogue_search`` with external content (the
  documents table), kept in sync by three triggers;
- PostgreSQL: GIN expression index ``fts_ix_catalogue_search`` over the ``tsvector``
  that ``catalogue.public.search`` queries with the same expression.

Accents and case are removed by the application before indexing (normalised columns),
so both backends match the same way and PostgreSQL needs no ``unaccent`` extension
(whose creation needs privileges a hosted database seldom grants).

Revision ID: 0007_catalogue
Revises: 0006_authz
Create Date: 2026-11-23 12:10:23.891555

"""
from alembic import op
import sqlalchemy as sa
import ens_core.db


# revision identifiers, used by Alembic.
revision = '0007_catalogue'
down_revision = '0006_authz'
branch_labels = None
depends_on = None

PG_VECTOR = "to_tsvector('simple'::regconfig, ((name || ' '::text) || body))"

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE fts_catalogue_search USING fts5("
    "name, body, content='catalogue_search_documents', content_rowid='service_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER fts_catalogue_search_ai AFTER INSERT ON catalogue_search_documents BEGIN "
    "INSERT INTO fts_catalogue_search(rowid, name, body) "
    "VALUES (new.service_id, new.name, new.body); END",
    "CREATE TRIGGER fts_catalogue_search_ad AFTER DELETE ON catalogue_search_documents BEGIN "
    "INSERT INTO fts_catalogue_search(fts_catalogue_search, rowid, name, body) "
    "VALUES ('delete', old.service_id, old.name, old.body); END",
    "CREATE TRIGGER fts_catalogue_search_au AFTER UPDATE ON catalogue_search_documents BEGIN "
    "INSERT INTO fts_catalogue_search(fts_catalogue_search, rowid, name, body) "
    "VALUES ('delete', old.service_id, old.name, old.body); "
    "INSERT INTO fts_catalogue_search(rowid, name, body) "
    "VALUES (new.service_id, new.name, new.body); END",
]


def upgrade():
    op.create_table('catalogue_search_documents',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ecoscore_grade', sa.String(length=1), nullable=True),
    sa.Column('ecoscore_value', sa.Double(), nullable=True),
    sa.Column('price_model', sa.String(length=20), nullable=True),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('referenced_at', ens_core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('facets', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_catalogue_search_documents_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_catalogue_search_documents'))
    )
    with op.batch_alter_table('catalogue_search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_search_documents_status'), ['status'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX fts_ix_catalogue_search ON catalogue_search_documents "
            f"USING gin ({PG_VECTOR})"
        )
    # Index the services that already exist.
    from catalogue.public.search import reindex_services

    reindex_services(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS fts_catalogue_search_{suffix}")
        op.execute("DROP TABLE IF EXISTS fts_catalogue_search")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS fts_ix_catalogue_search")
    with op.batch_alter_table('catalogue_search_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_search_documents_status'))
    op.drop_table('catalogue_search_documents')
