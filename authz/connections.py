"""What authz provides to the citizen's health space: the grants behind their connected
services and the consent history (``ens_core.health.connections.Consents``), registered in
``init_app``. Ending and renewing access are authz's consent services."""

from __future__ import annotations

from datetime import datetime, timedelta

from authz import consent, services
from authz.models import ConsentReceipt, Grant


class HealthSpaceConsents:
    def grants_of(self, citizen_id: int) -> list[Grant]:
        return services.grants_of_citizen(citizen_id)

    def get(self, grant_id: int) -> Grant | None:
        return services.get_grant(grant_id)

    def withdraw(self, grant: Grant, *, by) -> None:
        consent.withdraw_consent(by, grant)

    def renew(self, grant: Grant, *, now: datetime, by) -> None:
        consent.renew_consent(by, grant, now=now)

    def expiring(
        self, *, now: datetime, within: timedelta, citizen_id: int | None = None
    ) -> list[Grant]:
        return services.expiring_grants(now=now, within=within, citizen_id=citizen_id)

    def history(self, citizen_id: int) -> list[ConsentReceipt]:
        return consent.receipts_for(citizen_id)
