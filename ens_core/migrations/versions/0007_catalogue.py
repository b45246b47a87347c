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

Create Date: 2026-11-23 12:10:23.891555

"""
import sqlalchemy as sa
from alembic import op

from ens_core.migrations.helpers import column, create_table, drop_tables, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0007_catalogue'
down_revision = '0006_authz'

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
    create_table("catalogue_search_documents",
        ref("service_id", "services", ondelete="CASCADE"),
        column("status", sa.String(20), index=True),
        column("ecoscore_grade", sa.String(1), nullable=True),
        column("ecoscore_value", sa.Double(), nullable=True),
        column("price_model", sa.String(20), nullable=True),
        column("accessible", sa.Boolean()),
        timestamp("referenced_at", nullable=True),
        column("facets", sa.Text()),
        column("name", sa.Text()),
        column("body", sa.Text()),
        primary_key="service_id",
    )
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
    drop_tables("catalogue_search_documents")
