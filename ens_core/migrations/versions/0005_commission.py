"""commission and decisions

Create Date: 2026-11-23 12:10:43.293963

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import column, create_table, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0005_commission'
down_revision = '0004_editor'

VOTE_CHOICE = enum("votechoice", "FAVOURABLE", "FAVOURABLE_NON_SUSPENSIVE", "FAVOURABLE_SUSPENSIVE", "UNFAVOURABLE", "ABSTAIN", length=40)


def _recorded():
    """Who recorded an attendance or a recusal in the session, and when."""
    return ref("recorded_by_id", "users", nullable=True), timestamp("recorded_at")


def upgrade():
    _create_members_and_mandates()
    _create_sessions_and_agendas()
    _create_decisions_and_votes()


def _create_members_and_mandates():
    """Members, permissions, interest declarations and mandates."""
    create_table("commission_members",
        ref("user_id", "users", unique=True),
        timestamp("created_at"),
    )
    create_table("user_permissions",
        ref("user_id", "users", ondelete="CASCADE", index=True),
        column("permission", enum("permission", "DECISION", length=30)),
        ref("granted_by_id", "users", nullable=True),
        timestamp("granted_at"),
        unique=[("user_id", "permission")],
    )
    create_table("commission_declarations",
        ref("member_id", "commission_members", ondelete="CASCADE", index=True),
        column("version", sa.Integer()),
        timestamp("filed_at"),
        column("statement", sa.Text()),
        unique=[("member_id", "version")],
    )
    create_table("commission_mandates",
        ref("member_id", "commission_members", ondelete="CASCADE", index=True),
        column("college", enum("college", "CO_CHAIR", "CITIZEN", "USER_REPRESENTATIVE", "MEDICAL_EXPERT", "LEGAL_ETHICS_EXPERT", "ENVIRONMENT_EXPERT", "SECURITY_EXPERT", "EHEALTH_BUSINESS_EXPERT", length=40)),
        column("starts_on", sa.Date()),
        column("ends_on", sa.Date()),
        column("consecutive_number", sa.Integer()),
        ref("created_by_id", "users", nullable=True),
        timestamp("created_at"),
    )


def _create_sessions_and_agendas():
    """Sessions, agenda items, attendance and declared links."""
    create_table("commission_sessions",
        column("title", sa.String(200)),
        timestamp("held_at"),
        column("location", sa.String(200)),
        ref("presiding_member_id", "commission_members"),
        ref("reconvened_from_id", "commission_sessions", nullable=True),
        column("status", enum("sessionstatus", "PLANNED", "CLOSED")),
        timestamp("convened_at", nullable=True),
        timestamp("closed_at", nullable=True),
        ref("created_by_id", "users", nullable=True),
        timestamp("created_at"),
    )
    create_table("commission_agenda_items",
        ref("session_id", "commission_sessions", ondelete="CASCADE", index=True),
        ref("dossier_id", "dossiers", index=True),
        column("position", sa.Integer()),
        column("status", enum("itemstatus", "PENDING", "VOTING", "POSTPONED", "CLOSED", "WITHDRAWN")),
        column("eligible_count", sa.Integer(), nullable=True),
        column("present_count", sa.Integer(), nullable=True),
        column("quorum_met", sa.Boolean(), nullable=True),
        column("without_quorum", sa.Boolean()),
        column("opinion", VOTE_CHOICE, nullable=True),
        column("opinion_reservations", sa.Text()),
        column("tie_broken_by_chair", sa.Boolean()),
        timestamp("opened_at", nullable=True),
        timestamp("closed_at", nullable=True),
        ref("postponed_to_id", "commission_agenda_items", nullable=True),
        unique=[("session_id", "dossier_id")],
    )
    create_table("commission_attendance",
        ref("session_id", "commission_sessions", ondelete="CASCADE", index=True),
        ref("member_id", "commission_members"),
        column("present", sa.Boolean()),
        *_recorded(),
        unique=[("session_id", "member_id")],
    )
    create_table("commission_declaration_links",
        ref("declaration_id", "commission_declarations", ondelete="CASCADE", index=True),
        column("section", enum("section", "MAIN_ACTIVITY", "BOARDS", "CONSULTING", "RESEARCH", "PUBLICATIONS", "PATENTS", "FUNDED_ACTIVITIES", "HOLDINGS", "RELATIVES", "OTHER", length=40)),
        column("organisation_name", sa.String(200)),
        column("organisation_siren", sa.String(9), nullable=True),
        column("sector", enum("sector", "PHARMA_MEDTECH", "LARGE_IT", "EHEALTH_EDITOR", "INSURER", "PUBLIC_BODY", "OTHER", length=40)),
        column("nature", sa.String(300)),
        column("starts_on", sa.Date(), nullable=True),
        column("ends_on", sa.Date(), nullable=True),
        column("amount_eur", sa.Integer(), nullable=True),
    )


def _create_decisions_and_votes():
    """Decisions, conflicts, comments, recusals and votes."""
    create_table("decisions",
        ref("dossier_id", "dossiers", unique=True),
        column("outcome", enum("outcome", "REFERENCED", "REFUSED")),
        column("opinion", sa.String(40), nullable=True),
        column("departs_from_opinion", sa.Boolean()),
        column("reasons", sa.Text()),
        column("valid_until", sa.Date(), nullable=True),
        column("approved_uses", sa.JSON()),
        column("scope_ceiling", sa.Text()),
        column("suspensive_reservations", sa.Text()),
        timestamp("reservations_lifted_at", nullable=True),
        ref("reservations_lifted_by_id", "users", nullable=True),
        column("reservations_lifted_note", sa.Text()),
        ref("client_id", "oauth_clients", nullable=True),
        ref("decided_by_id", "users"),
        timestamp("decided_at"),
    )
    create_table("commission_conflicts",
        ref("item_id", "commission_agenda_items", ondelete="CASCADE", index=True),
        ref("member_id", "commission_members"),
        ref("link_id", "commission_declaration_links"),
        column("matched_on", sa.String(20)),
        column("matched_entity", sa.String(200)),
        column("status", enum("conflictstatus", "POTENTIAL", "CONFIRMED", "DISMISSED")),
        column("decision_reason", sa.Text()),
        ref("decided_by_id", "users", nullable=True),
        timestamp("decided_at", nullable=True),
        timestamp("detected_at"),
        unique=[("item_id", "member_id", "link_id")],
    )
    create_table("commission_item_comments",
        ref("item_id", "commission_agenda_items", ondelete="CASCADE", index=True),
        ref("member_id", "commission_members"),
        column("body", sa.Text()),
        timestamp("at"),
    )
    create_table("commission_recusals",
        ref("item_id", "commission_agenda_items", ondelete="CASCADE", index=True),
        ref("member_id", "commission_members", index=True),
        column("origin", enum("recusalorigin", "CONFLICT", "SELF")),
        column("reason", sa.Text()),
        *_recorded(),
        unique=[("item_id", "member_id")],
    )
    create_table("commission_votes",
        ref("item_id", "commission_agenda_items", ondelete="CASCADE", index=True),
        ref("member_id", "commission_members"),
        column("choice", VOTE_CHOICE),
        column("reservations", sa.Text()),
        timestamp("cast_at"),
        unique=[("item_id", "member_id")],
    )

def downgrade():
    drop_tables(
        "commission_votes", "commission_recusals", "commission_item_comments",
        "commission_conflicts", "decisions", "commission_declaration_links",
        "commission_attendance", "commission_agenda_items", "commission_sessions",
        "commission_mandates", "commission_declarations", "user_permissions",
        "commission_members",
    )
