"""What authz provides to the citizen's health space: the grants behind their connected
services (``ens_core.health.connections.Consents``), registered in ``init_app``."""

from __future__ import annotations

from datetime import datetime, timedelta

from authz import services, tokens
from authz.models import Grant


class HealthSpaceConsents:
    def grants_of(self, citizen_id: int) -> list[Grant]:
        return services.grants_of_citizen(citizen_id)

    def get(self, grant_id: int) -> Grant | None:
        return services.get_grant(grant_id)

    def revoke(self, grant: Grant, *, reason: str) -> None:
        services.revoke_grant(grant, reason=reason)
        tokens.revoke_family(grant.id, reason="grant revoked")

    def renew(self, grant: Grant, *, now: datetime) -> None:
        services.renew_grant(grant, now=now)

    def expiring(
        self, *, now: datetime, within: timedelta, citizen_id: int | None = None
    ) -> list[Grant]:
        return services.expiring_grants(now=now, within=within, citizen_id=citizen_id)
