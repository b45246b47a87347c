"""listing and grants

Create Date: 2026-11-23 12:02:54.647924

"""
import sqlalchemy as sa

from ens_core.migrations.helpers import add_columns, column, create_table, drop_columns, drop_tables, enum, ref, timestamp

# revision identifiers, used by Alembic.
revision = '0003_listing_grants'
down_revision = '0002_spine'


def upgrade():
    create_table("service_events",
        ref("service_id", "services", index=True),
        column("kind", enum("serviceeventkind", "REFERENCED", "REFUSED", "RENEWED", "SUSPENDED", "REINSTATED", "DELISTED", "SANCTION", "EXPIRED")),
        timestamp("at", index=True),
        column("summary", sa.Text()),
        column("details", sa.JSON()),
    )
    create_table("oauth_grants",
        ref("citizen_id", "users", index=True),
        ref("service_id", "services", index=True),
        ref("client_id", "oauth_clients"),
        column("scopes", sa.Text()),
        ref("consented_by_id", "users"),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("expires_at", nullable=True),
        timestamp("revoked_at", nullable=True),
        column("revoked_reason", sa.String(200), nullable=True),
        unique=[("citizen_id", "service_id")],
    )
    add_columns(
        "services",
        column("long_description", sa.Text()),
        column("short_description_en", sa.String(300), nullable=True),
        column("long_description_en", sa.Text(), nullable=True),
        column("categories", sa.JSON()),
        column("platforms", sa.JSON()),
        column("audiences", sa.JSON()),
        column("price_model", sa.String(20), nullable=True),
        column("website_url", sa.String(500), nullable=True),
        column("privacy_policy_url", sa.String(500), nullable=True),
        column("accessibility_statement_url", sa.String(500), nullable=True),
        column("logo_path", sa.String(300), nullable=True),
        column("scores", sa.JSON()),
        column("ecoscore_value", sa.Double(), nullable=True),
        column("ecoscore_grade", sa.String(1), nullable=True),
        column("ecoscore_details", sa.JSON()),
    )


def downgrade():
    drop_columns("services", "ecoscore_details", "ecoscore_grade", "ecoscore_value", "scores", "logo_path", "accessibility_statement_url", "privacy_policy_url", "website_url", "price_model", "audiences", "platforms", "categories", "long_description_en", "short_description_en", "long_description")
    drop_tables("oauth_grants", "service_events")
