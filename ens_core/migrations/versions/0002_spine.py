"""spine

Create Date: 2026-11-23 12:01:36.730805

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0002_spine'
down_revision = '0001_foundation'

DOSSIER_STATE = enum("dossierstate", "DRAFT", "SUBMITTED", "INADMISSIBLE", "ADMISSIBLE", "UNDER_EVALUATION", "INFORMATION_REQUESTED", "EVALUATED", "SCHEDULED", "OPINION_GIVEN", "REFERENCED_PENDING", "REFERENCED", "REFUSED", "WITHDRAWN", "CLOSED", length=30)


def _declared_period():
    """An editor's declaration holds from a date until another (open-ended while it holds)."""
    return (
        column("effective_from", sa.Date()),
        column("effective_to", sa.Date(), nullable=True),
        timestamp("declared_at"),
        ref("declared_by_id", "users", nullable=True),
    )


def upgrade():
    create_table("owner_declarations",
        ref("organisation_id", "organisations", index=True),
        column("entity_name", sa.String(200)),
        column("entity_siren", sa.String(9), nullable=True),
        column("parent_group", sa.String(200), nullable=True),
        column("country", sa.String(2)),
        column("share_percent", sa.Double()),
        column("declared_control", sa.Boolean()),
        *_declared_period(),
    )
    create_table("dossiers",
        ref("service_id", "services", index=True),
        column("state", DOSSIER_STATE, index=True),
        ref("opened_by_id", "users", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
    )
    create_table("hosting_declarations",
        ref("service_id", "services", index=True),
        column("provider", sa.String(200)),
        column("country", sa.String(2)),
        column("hds_certificate_number", sa.String(80), nullable=True),
        column("hds_certificate_expiry", sa.Date(), nullable=True),
        *_declared_period(),
    )
    create_table("service_data_uses",
        ref("service_id", "services", ondelete="CASCADE"),
        column("scope", sa.String(80)),
        column("purpose", enum("datapurpose", "PREVENTION", "DIAGNOSIS", "CARE", "SOCIAL_FOLLOW_UP", length=30)),
        column("retention_days", sa.Integer()),
        unique=[("service_id", "scope")],
    )
    create_table("dossier_transitions",
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        column("from_state", DOSSIER_STATE),
        column("to_state", DOSSIER_STATE),
        ref("actor_id", "users", nullable=True),
        timestamp("at"),
        column("comment", sa.Text()),
    )
    add_columns(
        "services",
        timestamp("referenced_at", nullable=True),
        column("valid_until", sa.Date(), nullable=True),
    )


def downgrade():
    drop_columns("services", "valid_until", "referenced_at")
    drop_tables(
        "dossier_transitions", "service_data_uses", "hosting_declarations", "dossiers",
        "owner_declarations",
    )
