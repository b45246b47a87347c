"""sandbox conformance runs (issue 18)

Create Date: 2026-12-03 11:20:00

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, ref, timestamp

# revision identifiers, used by Alembic.
revision = "0014_conformance"
down_revision = "0013_listing_changes"


def upgrade():
    create_table("conformance_runs",
        ref("service_id", "services", index=True),
        ref("client_id", "oauth_clients", index=True),
        ref("started_by_id", "users"),
        timestamp("started_at"),
        timestamp("ends_at"),
        timestamp("stopped_at", nullable=True),
        timestamp("consent_withdrawn_at", nullable=True),
        timestamp("throttled_at", nullable=True),
        column("checks_version", sa.String(20)),
        column("declared_scopes", sa.Text()),
        column("verdicts", sa.JSON()),
        timestamp("evaluated_at", nullable=True),
        timestamp("attached_at", nullable=True),
    )
    create_table("conformance_events",
        ref("run_id", "conformance_runs", ondelete="CASCADE", index=True),
        timestamp("at"),
        column("kind", sa.String(20)),
        column("method", sa.String(10)),
        column("path", sa.String(300)),
        column("query", sa.JSON()),
        column("status", sa.Integer()),
        column("details", sa.JSON()),
    )
    create_table("dossier_conformance_runs",
        ref("dossier_id", "dossiers", ondelete="CASCADE", unique=True),
        ref("run_id", "conformance_runs"),
        ref("attached_by_id", "users"),
        timestamp("attached_at"),
        column("summary", sa.JSON()),
    )


def downgrade():
    drop_tables("dossier_conformance_runs", "conformance_events", "conformance_runs")
