"""double evaluation: two blind evaluators, their own verdicts, reconciliations

Create Date: 2026-12-03 10:45:00

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import (
    add_columns,
    column,
    create_table,
    drop_columns,
    drop_tables,
    enum,
    ref,
    timestamp,
)

# revision identifiers, used by Alembic.
revision = "0012_double_evaluation"
down_revision = "0011_perf"


def upgrade():
    # The areas a referential version has evaluated twice (NULL: security and ethics).
    add_columns("referential_versions", column("double_evaluation", sa.JSON(), nullable=True))
    # The lead agent's reason when the verdict settles a divergence.
    add_columns("dossier_evaluations", column("reconciliation_reason", sa.Text(), nullable=True))
    create_table("dossier_evaluators",
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        ref("agent_id", "users"),
        column("role", enum("evaluatorrole", "FIRST", "SECOND", length=10)),
        ref("assigned_by_id", "users", nullable=True),
        timestamp("assigned_at"),
        timestamp("finished_at", nullable=True),
        unique=[("dossier_id", "agent_id"), ("dossier_id", "role")],
    )
    create_table("dossier_independent_evaluations",
        ref("dossier_id", "dossiers", ondelete="CASCADE", index=True),
        ref("criterion_id", "referential_criteria"),
        ref("evaluator_id", "users"),
        column("verdict", enum("verdict", "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")),
        column("comment", sa.Text()),
        timestamp("evaluated_at"),
        unique=[("dossier_id", "criterion_id", "evaluator_id")],
    )


def downgrade():
    drop_tables("dossier_independent_evaluations", "dossier_evaluators")
    drop_columns("dossier_evaluations", "reconciliation_reason")
    drop_columns("referential_versions", "double_evaluation")
