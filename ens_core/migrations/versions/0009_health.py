"""health space

Create Date: 2026-11-23 12:19:47.402086

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0009_health'
down_revision = '0008_dossiers'


def _health_record(*columns):
    """A FHIR-backed record: its public id and citizen, its own ``columns``, then who wrote
    it and its version (the models' ``_HealthRecord``)."""
    return (
        column("public_id", sa.String(32), unique=True),
        ref("citizen_id", "users", ondelete="CASCADE"),
        *columns,
        ref("source_service_id", "services", nullable=True),
        ref("source_client_id", "oauth_clients", nullable=True),
        ref("entered_by_id", "users", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        column("version", sa.Integer()),
    )


def upgrade():
    _create_citizen_records()
    _create_citizen_settings()
    _create_access_log_and_appointments()
    _create_health_documents()


def _create_citizen_records():
    """Log heads, binaries, guardianships and hidden types."""
    create_table("health_access_log_heads",
        ref("citizen_id", "users", ondelete="CASCADE"),
        column("seq", sa.Integer()),
        column("hash", sa.String(64)),
        primary_key="citizen_id",
    )
    create_table("health_binaries",
        column("public_id", sa.String(32), unique=True),
        ref("citizen_id", "users", ondelete="CASCADE", index=True),
        column("content_type", sa.String(60)),
        column("size", sa.Integer()),
        column("sha256", sa.String(64)),
        column("data", sa.LargeBinary(), nullable=True),
        timestamp("created_at"),
    )
    create_table("health_guardianships",
        ref("guardian_id", "users", ondelete="CASCADE"),
        ref("ward_id", "users", ondelete="CASCADE", index=True),
        column("kind", enum("guardianshipkind", "MINOR", "TUTELLE", "CURATELLE")),
        column("reference", sa.String(200), nullable=True),
        ref("created_by_id", "users", nullable=True, ondelete="SET NULL"),
        timestamp("created_at"),
        column("ends_on", sa.Date(), nullable=True),
        timestamp("ended_at", nullable=True),
        indexes={"ix_health_guardianships_pair": ["guardian_id", "ward_id"]},
    )
    create_table("health_hidden_types",
        ref("citizen_id", "users", ondelete="CASCADE"),
        column("data_type", sa.String(30)),
        timestamp("created_at"),
        unique=[("citizen_id", "data_type")],
    )


def _create_citizen_settings():
    """Known devices, notification preferences and abuse reports."""
    create_table("health_known_devices",
        ref("user_id", "users", ondelete="CASCADE"),
        column("token_hash", sa.String(64)),
        column("user_agent", sa.String(300)),
        timestamp("first_seen_at"),
        timestamp("last_seen_at"),
        column("details", sa.JSON()),
        unique=[("user_id", "token_hash")],
    )
    create_table("notification_preferences",
        ref("user_id", "users", ondelete="CASCADE"),
        column("kind", sa.String(60)),
        column("in_app", sa.Boolean()),
        column("email", sa.Boolean()),
        unique=[("user_id", "kind")],
    )
    create_table("health_abuse_reports",
        ref("reporter_id", "users", ondelete="CASCADE"),
        ref("service_id", "services", index=True),
        column("category", enum("abusecategory", "DATA_MISUSE", "UNEXPECTED_ACCESS", "ADVERTISING", "MISLEADING", "SECURITY", "OTHER", length=30)),
        column("description", sa.Text()),
        column("status", sa.String(20), index=True),
        timestamp("created_at"),
        timestamp("handled_at", nullable=True),
        ref("handled_by_id", "users", nullable=True, ondelete="SET NULL"),
        column("resolution", sa.Text(), nullable=True),
    )


def _create_access_log_and_appointments():
    """The hash-chained access log and appointments."""
    create_table("health_access_log",
        ref("citizen_id", "users", ondelete="CASCADE"),
        column("seq", sa.Integer()),
        timestamp("at"),
        column("actor_kind", sa.String(20)),
        ref("service_id", "services", nullable=True, ondelete="SET NULL"),
        column("client_id", sa.String(64), nullable=True),
        column("service_name", sa.String(200), nullable=True),
        column("editor_name", sa.String(200), nullable=True),
        ref("actor_user_id", "users", nullable=True, ondelete="SET NULL"),
        column("actor_name", sa.String(200), nullable=True),
        column("interaction", sa.String(20)),
        column("resource_type", sa.String(40)),
        column("resource_ids", sa.JSON()),
        column("outcome", sa.String(20)),
        column("status_code", sa.Integer()),
        column("detail", sa.String(500), nullable=True),
        column("ip", sa.String(45), nullable=True),
        column("prev_hash", sa.String(64)),
        column("hash", sa.String(64)),
        unique=[("citizen_id", "seq")],
        indexes={"ix_health_access_log_citizen_at": ["citizen_id", "at"]},
    )
    create_table("health_appointments",
        *_health_record(
            column("status", sa.String(20)),
            column("description", sa.String(500)),
            column("practitioner", sa.String(200), nullable=True),
            column("location", sa.String(300), nullable=True),
            timestamp("start"),
            timestamp("end"),
            column("cancelation_reason", sa.String(300), nullable=True),
        ),
        indexes={"ix_health_appointments_citizen_start": ["citizen_id", "start"]},
    )


def _create_health_documents():
    """Documents, measurements, what guardians may not see, and grant columns."""
    create_table("health_documents",
        *_health_record(
            column("type_code", sa.String(20)),
            column("title", sa.String(300)),
            column("description", sa.Text(), nullable=True),
            timestamp("date"),
            column("status", sa.String(20)),
            ref("binary_id", "health_binaries"),
            timestamp("hidden_at", nullable=True),
        ),
        indexes={"ix_health_documents_citizen_date": ["citizen_id", "date"]},
    )
    create_table("health_measurements",
        *_health_record(
            column("kind", sa.String(30)),
            column("code", sa.String(20)),
            timestamp("effective_at"),
            column("value", sa.Double()),
            column("value2", sa.Double(), nullable=True),
            column("unit", sa.String(20)),
            column("status", sa.String(20)),
            column("note", sa.Text(), nullable=True),
        ),
        indexes={
            "ix_health_measurements_citizen_at": ["citizen_id", "effective_at"],
            "ix_health_measurements_citizen_code_at": ["citizen_id", "code", "effective_at"],
        },
    )
    create_table("health_guardian_hidings",
        ref("ward_id", "users", ondelete="CASCADE", index=True),
        ref("service_id", "services", nullable=True, ondelete="CASCADE"),
        ref("document_id", "health_documents", nullable=True, ondelete="CASCADE"),
        timestamp("created_at"),
        unique=[("ward_id", "service_id", "document_id")],
    )
    add_columns(
        "notifications",
        column("dedupe_key", sa.String(120), nullable=True, index=True),
    )

def downgrade():
    drop_columns("notifications", "dedupe_key", indexes=["ix_notifications_dedupe_key"])
    drop_tables(
        "health_guardian_hidings", "health_measurements", "health_documents",
        "health_appointments", "health_access_log", "health_abuse_reports",
        "notification_preferences", "health_known_devices", "health_hidden_types",
        "health_guardianships", "health_binaries", "health_access_log_heads",
    )
