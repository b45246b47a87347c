"""The citizen's connected services, as the health space sees them.

A connected service is one the citizen (or a guardian) consented to: a grant of the
authorization server (authz, a higher layer). The health space lists, renews and revokes
them through :data:`CONSENTS`, which authz provides in its ``init_app``; it never reads
authz's tables. Service names come from ``ens_core.service_directory.SERVICES``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ens_core.providers import Slot


class GrantRef(Protocol):
    """The attributes of a grant the health space reads."""

    id: int
    citizen_id: int
    service_id: int
    scopes: str  # space-separated
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def is_active(self, now: datetime) -> bool: ...


@runtime_checkable
class Consents(Protocol):
    def grants_of(self, citizen_id: int) -> list[GrantRef]:
        """The grants given for this citizen, newest first."""

    def get(self, grant_id: int) -> GrantRef | None:
        """One grant, or None."""

    def revoke(self, grant: GrantRef, *, reason: str) -> None:
        """End the grant and every token issued under it."""

    def renew(self, grant: GrantRef, *, now: datetime) -> None:
        """Extend a live grant by its original duration; ValueError when it cannot be."""

    def expiring(
        self, *, now: datetime, within: timedelta, citizen_id: int | None = None
    ) -> list[GrantRef]:
        """Live grants ending within ``within`` of ``now``."""


CONSENTS = Slot("consents", Consents)
