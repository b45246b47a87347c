"""sovereignty and surveillance

Create Date: 2026-11-23 12:35:37.434104

"""
import sqlalchemy as sa
from alembic import op

from ens_core.migrations.helpers import column, create_table, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0010_sovereignty'
down_revision = '0009_health'

SANCTION_KIND = enum("sanctionkind", "WARNING", "SUSPENSION", "DELISTING", length=30)


def _agent_review():
    """Who among the agents reviewed a declaration or an attestation, when, and what they said."""
    return (
        ref("reviewed_by_id", "users", nullable=True),
        timestamp("reviewed_at", nullable=True),
        column("review_comment", sa.Text(), nullable=True),
    )


def upgrade():
    _create_sovereignty()
    _create_surveillance()
    _create_audits_and_sanctions()
    _seed_registry()


def _create_sovereignty():
    """Countries, memberships and sovereignty cases."""
    create_table("sov_countries",
        column("code", sa.String(2)),
        column("name", sa.String(120)),
        primary_key="code",
    )
    create_table("sov_memberships",
        ref("country_code", "sov_countries.code", type_=sa.String(2)),
        column("union", enum("union", "EU", "EEA", length=10)),
        column("joined_on", sa.Date()),
        column("left_on", sa.Date(), nullable=True),
        indexes={"ix_sov_memberships_country_union": ["country_code", "union"]},
    )
    create_table("sov_cases",
        ref("service_id", "services", index=True),
        column("state", enum("casestate", "OPEN", "REGULARISED", "DELISTED"), index=True),
        column("breaches", sa.JSON()),
        column("opened_on", sa.Date()),
        column("deadline", sa.Date()),
        timestamp("opened_at"),
        column("closed_on", sa.Date(), nullable=True),
        column("suspended_service", sa.Boolean()),
        column("awaiting_review", sa.Boolean()),
        ref("reviewed_by_id", "users", nullable=True),
    )


def _create_surveillance():
    """Change declarations, complaints, renewal notices and deletion orders."""
    create_table("surv_change_declarations",
        ref("service_id", "services", index=True),
        column("kind", enum("changekind", "VERSION", "HOSTING", "OWNERSHIP", "SCOPES", length=30)),
        column("payload", sa.JSON()),
        column("material", sa.Boolean()),
        column("requires_commission_opinion", sa.Boolean()),
        column("state", enum("changestate", "PENDING", "AWAITING_OPINION", "ACCEPTED", "REJECTED", length=30), index=True),
        ref("declared_by_id", "users"),
        timestamp("declared_at"),
        *_agent_review(),
    )
    create_table("surv_complaints",
        ref("service_id", "services", index=True),
        column("source", enum("complaintsource", "AGENT", "CITIZEN", length=30)),
        ref("reporter_id", "users", nullable=True),
        column("abuse_report_id", sa.Integer(), nullable=True, unique=True),
        column("category", enum("complaintcategory", "DATA_MISUSE", "SECURITY", "MISLEADING", "ACCESSIBILITY", "HOSTING", "OTHER", length=30)),
        column("description", sa.Text()),
        column("state", enum("complaintstate", "NEW", "DISMISSED", "AUDIT", "CLOSED", length=30), index=True),
        column("triage_note", sa.Text(), nullable=True),
        ref("triaged_by_id", "users", nullable=True),
        timestamp("created_at"),
    )
    create_table("surv_renewal_notices",
        ref("service_id", "services"),
        column("valid_until", sa.Date()),
        column("days_before", sa.Integer()),
        timestamp("sent_at"),
        unique=[("service_id", "valid_until", "days_before")],
    )
    create_table("sov_deletion_orders",
        ref("service_id", "services", index=True),
        ref("case_id", "sov_cases", nullable=True),
        column("state", enum("orderstate", "OPEN", "SUBMITTED", "ACCEPTED"), index=True),
        column("reason", sa.Text()),
        column("issued_on", sa.Date()),
        column("due_on", sa.Date()),
        timestamp("issued_at"),
        column("attestation_path", sa.String(300), nullable=True),
        column("attestation_filename", sa.String(200), nullable=True),
        column("attestation_sha256", sa.String(64), nullable=True),
        timestamp("attestation_uploaded_at", nullable=True),
        ref("attestation_uploaded_by_id", "users", nullable=True),
        *_agent_review(),
    )


def _create_audits_and_sanctions():
    """Audits, complaint attachments, renewal requests and sanctions."""
    create_table("surv_audits",
        ref("service_id", "services", index=True),
        ref("complaint_id", "surv_complaints", nullable=True),
        column("scope", sa.Text()),
        column("auditor", sa.String(200)),
        column("deadline", sa.Date()),
        column("findings", sa.Text(), nullable=True),
        column("state", enum("auditstate", "OPEN", "CLOSED", length=30)),
        ref("opened_by_id", "users"),
        timestamp("opened_at"),
        timestamp("closed_at", nullable=True),
    )
    create_table("surv_complaint_attachments",
        ref("complaint_id", "surv_complaints", index=True),
        column("filename", sa.String(200)),
        column("stored_name", sa.String(80)),
        column("content_type", sa.String(80)),
        column("size", sa.Integer()),
        column("sha256", sa.String(64)),
    )
    create_table("surv_renewal_requests",
        ref("service_id", "services", index=True),
        column("expiring_on", sa.Date()),
        column("state", enum("renewalstate", "OPEN", "FILED", "GRANTED", "LAPSED", length=30)),
        ref("previous_dossier_id", "dossiers", nullable=True),
        ref("dossier_id", "dossiers", nullable=True),
        ref("opened_by_id", "users", nullable=True),
        timestamp("opened_at"),
        timestamp("closed_at", nullable=True),
    )
    create_table("surv_sanctions",
        ref("service_id", "services", index=True),
        ref("audit_id", "surv_audits", nullable=True),
        column("state", enum("sanctionstate", "INTENT", "ANSWERED", "DECIDED", "LIFTED", length=30), index=True),
        column("grounds", sa.Text()),
        column("proposed_kind", SANCTION_KIND),
        column("answer_deadline", sa.Date()),
        ref("notified_by_id", "users"),
        timestamp("notified_at"),
        column("editor_answer", sa.Text(), nullable=True),
        ref("answered_by_id", "users", nullable=True),
        timestamp("answered_at", nullable=True),
        column("decided_kind", SANCTION_KIND, nullable=True),
        column("decision_text", sa.Text(), nullable=True),
        column("suspended_until", sa.Date(), nullable=True),
        column("until_condition", sa.Text(), nullable=True),
        ref("decided_by_id", "users", nullable=True),
        timestamp("decided_at", nullable=True),
        timestamp("lifted_at", nullable=True),
    )


def _seed_registry():
    """Today's EU members, the EEA-only members and the UK's departure (2020-01-31)."""
    from review.sovereignty.registry import seed_rows

    countries, memberships = seed_rows()
    countries_table = sa.table("sov_countries", sa.column("code", sa.String), sa.column("name", sa.String))
    memberships_table = sa.table(
        "sov_memberships",
        sa.column("country_code", sa.String),
        sa.column("union", sa.String),
        sa.column("joined_on", sa.Date),
        sa.column("left_on", sa.Date),
    )
    op.bulk_insert(countries_table, countries)
    op.bulk_insert(memberships_table, [{"left_on": None, **row} for row in memberships])

def downgrade():
    drop_tables(
        "surv_sanctions", "surv_renewal_requests", "surv_complaint_attachments", "surv_audits",
        "sov_deletion_orders", "surv_renewal_notices", "surv_complaints",
        "surv_change_declarations", "sov_cases", "sov_memberships", "sov_countries",
    )
