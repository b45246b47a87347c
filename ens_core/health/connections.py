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


class ConsentEventRef(Protocol):
    """One entry of the consent history (a consent receipt): ``document["event"]`` is
    ``granted``, ``renewed`` or ``withdrawn``."""

    public_id: str
    service_id: int
    citizen_id: int
    consented_by_id: int  # who gave, renewed or withdrew
    created_at: datetime
    document: dict


@runtime_checkable
class Consents(Protocol):
    def grants_of(self, citizen_id: int) -> list[GrantRef]:
        """The grants given for this citizen, newest first."""

    def get(self, grant_id: int) -> GrantRef | None:
        """One grant, or None."""

    def withdraw(self, grant: GrantRef, *, by) -> None:
        """End the grant and every token issued under it (``by``: the citizen, or a
        guardian acting for them); recorded in the consent history."""

    def renew(self, grant: GrantRef, *, now: datetime, by) -> None:
        """Extend a live grant by its original duration, with a consent receipt;
        ValueError when it cannot be."""

    def expiring(
        self, *, now: datetime, within: timedelta, citizen_id: int | None = None
    ) -> list[GrantRef]:
        """Live grants ending within ``within`` of ``now``."""

    def history(self, citizen_id: int) -> list[ConsentEventRef]:
        """Every grant, renewal and withdrawal for this citizen, newest first."""


CONSENTS = Slot("consents", Consents)
