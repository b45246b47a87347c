"""A sandbox conformance run and what the sandbox client did during it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import utcnow
from ens_core.models_support import Record, ref


class ConformanceRun(Record):
    """One run for one sandbox client: open from ``started_at`` until it is stopped or
    reaches ``ends_at`` (24 h at most). ``verdicts`` is the last evaluation's summary
    ({check id: "pass" | "fail" | "not_exercised"}), evaluated with ``checks_version``."""

    __tablename__ = "conformance_runs"

    service_id: Mapped[int] = ref("services", index=True)
    client_id: Mapped[int] = ref("oauth_clients", index=True)
    started_by_id: Mapped[int] = ref("users")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    consent_withdrawn_at: Mapped[datetime | None]
    # The one FHIR read the sandbox answers 429 + Retry-After during the run (when done).
    throttled_at: Mapped[datetime | None]
    checks_version: Mapped[str] = mapped_column(String(20))
    # Scopes declared in the dossier's data uses when the run started (space-separated).
    declared_scopes: Mapped[str] = mapped_column(Text, default="")
    verdicts: Mapped[dict] = mapped_column(JSON, default=dict)
    evaluated_at: Mapped[datetime | None]
    # Set when the editor attached the finished run to a referencing dossier.
    attached_at: Mapped[datetime | None]

    def is_open(self, now: datetime) -> bool:
        return self.stopped_at is None and self.ends_at > now

    @property
    def pass_count(self) -> int:
        return sum(1 for verdict in (self.verdicts or {}).values() if verdict == "pass")


class ConformanceEvent(Record):
    """One request of the run's client (secrets redacted), or a marker the store set
    (``kind`` "withdrawal": the test citizen's consent was withdrawn)."""

    __tablename__ = "conformance_events"

    run_id: Mapped[int] = ref("conformance_runs", ondelete="CASCADE", index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # authorize, token, fhir, withdrawal
    method: Mapped[str] = mapped_column(String(10), default="")
    path: Mapped[str] = mapped_column(String(300), default="")
    # Query parameters (and, at the token endpoint, form fields) with secrets redacted.
    query: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[int] = mapped_column(default=0)
    # What the checks read: PKCE, state fingerprint, If-Match, Retry-After, expiry…
    details: Mapped[dict] = mapped_column(JSON, default=dict)
