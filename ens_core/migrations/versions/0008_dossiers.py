"""referential dossiers scoring

Create Date: 2026-11-23 12:17:14.594985

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, enum, ref, stored_file, timestamp

# revision identifiers, used by Alembic.
revision = '0008_dossiers'
down_revision = '0007_catalogue'


def _create_per_criterion(name, *columns):
    """A table of one row per dossier and criterion of the referential."""
    create_table(name,
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        ref("criterion_id", "referential_criteria"),
        *columns,
        unique=[("dossier_id", "criterion_id")],
    )


def upgrade():
    _create_referential()
    _create_dossier_records()


def _create_referential():
    """Referential versions and their criteria."""
    create_table("referential_versions",
        column("version", sa.String(20), unique=True),
        column("title", sa.JSON()),
        column("notes", sa.JSON()),
        column("effective_from", sa.Date()),
        timestamp("published_at"),
        column("content_hash", sa.String(64)),
    )
    create_table("referential_criteria",
        ref("version_id", "referential_versions", ondelete="CASCADE", index=True),
        column("position", sa.Integer()),
        column("code", sa.String(20)),
        column("area", enum("area", "URBANISATION", "SECURITY", "INTEROPERABILITY", "ETHICS", "ENVIRONMENT")),
        column("topic", sa.String(80)),
        column("statement", sa.JSON()),
        column("guidance", sa.JSON()),
        column("mandatory", sa.Boolean()),
        column("answer_type", enum("answertype", "YES_NO", "YES_NO_NA", length=12)),
        column("evidence_required", sa.Boolean()),
        column("weight", sa.Integer()),
        unique=[("version_id", "code")],
    )


def _create_dossier_records():
    """Answers, data requests, evaluations, information requests, measurements, evidence."""
    _create_per_criterion("dossier_answers",
        column("answer", enum("answer", "YES", "NO", "NOT_APPLICABLE")),
        column("justification", sa.Text()),
        timestamp("answered_at"),
        ref("answered_by_id", "users", nullable=True),
    )
    create_table("dossier_data_requests",
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        column("scope", sa.String(80)),
        column("purpose", enum("datapurpose", "PREVENTION", "DIAGNOSIS", "CARE", "SOCIAL_FOLLOW_UP", length=30)),
        column("retention_days", sa.Integer()),
        column("justification", sa.Text()),
        unique=[("dossier_id", "scope")],
    )
    _create_per_criterion("dossier_evaluations",
        column("verdict", enum("verdict", "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")),
        column("comment", sa.Text()),
        timestamp("evaluated_at"),
        ref("evaluator_id", "users", nullable=True),
    )
    create_table("dossier_information_requests",
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        column("questions", sa.Text()),
        timestamp("asked_at"),
        ref("asked_by_id", "users", nullable=True),
        column("deadline", sa.Date()),
        column("answer", sa.Text(), nullable=True),
        timestamp("answered_at", nullable=True),
        ref("answered_by_id", "users", nullable=True),
    )
    create_table("journey_measurements",
        ref("dossier_id", "dossiers", ondelete="CASCADE", unique=True),
        column("steps", sa.JSON()),
        column("measured_on", sa.String(200)),
        timestamp("submitted_at"),
        ref("submitted_by_id", "users", nullable=True),
    )
    create_table("dossier_evidence",
        ref("answer_id", "dossier_answers", ondelete="CASCADE", index=True),
        *stored_file(),
    )
    add_columns(
        "dossiers",
        ref("referential_version_id", "referential_versions", nullable=True, index=True),
        timestamp("submitted_at", nullable=True),
        column("paused_days", sa.Integer(), server_default="0"),
    )

def downgrade():
    drop_columns("dossiers", "paused_days", "submitted_at", "referential_version_id", foreign_keys=["fk_dossiers_referential_version_id_referential_versions"], indexes=["ix_dossiers_referential_version_id"])
    drop_tables(
        "dossier_evidence", "journey_measurements", "dossier_information_requests",
        "dossier_evaluations", "dossier_data_requests", "dossier_answers",
        "referential_criteria", "referential_versions",
    )
