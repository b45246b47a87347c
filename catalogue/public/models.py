"""The search index of the public catalogue: one normalised document per service.

Maintained by the application (``catalogue.public.search``) whenever a service, its
organisation or its approved data uses change. The full-text structures over it are
created by the migration with raw SQL, one per backend, and named ``fts_*`` so that
Alembic's autogenerate leaves them alone (``ens_core.database.include_name``):

- SQLite: an FTS5 virtual table ``fts_catalogue_search`` (external content = this table)
  kept in sync by triggers;
- PostgreSQL: a GIN expression index ``fts_ix_catalogue_search`` over
  ``to_tsvector('simple', name || ' ' || body)``; name matches rank first.

Both backends see the same text: lower-cased, accents removed, punctuation collapsed
(``normalise``), so "sante" finds "Santé" the same way everywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import db
from ens_core.models_support import ref


class ServiceSearchDocument(db.Model):
    __tablename__ = "catalogue_search_documents"

    service_id: Mapped[int] = ref("services", ondelete="CASCADE", primary_key=True)
    # Copies of the listing fields the search filters and sorts on, so that a search reads
    # this narrow table only (the services rows carry long texts and JSON).
    status: Mapped[str] = mapped_column(String(20), index=True)
    ecoscore_grade: Mapped[str | None] = mapped_column(String(1))
    ecoscore_value: Mapped[float | None]
    price_model: Mapped[str | None] = mapped_column(String(20))
    accessible: Mapped[bool] = mapped_column(default=False)
    referenced_at: Mapped[datetime | None]
    # Filter tokens, space-delimited on both sides: " cat:prevention read:observation ".
    facets: Mapped[str] = mapped_column(Text, default=" ")
    # Normalised name (ranked first, also the alphabetical sort key).
    name: Mapped[str] = mapped_column(Text, default="")
    # Normalised editor name, category labels (FR and EN) and descriptions (FR and EN).
    body: Mapped[str] = mapped_column(Text, default="")
