"""Who may act for whom: the checks shared by the authorize, token and resource endpoints."""

from __future__ import annotations

from authz.models import Client, ClientKind


def client_is_live(client: Client | None, service) -> bool:
    """May this client obtain or use tokens right now?

    A production client needs an enabled client and an operational (referenced) service.
    A sandbox client serves a service still in the referencing process, so a draft
    service is fine; a suspended or delisted one is not.
    """
    if client is None or service is None or not client.is_enabled:
        return False
    from catalogue.models import ServiceStatus
    from catalogue.services import is_operational

    if client.kind is ClientKind.PRODUCTION:
        return is_operational(service)
    return service.status in (ServiceStatus.DRAFT, ServiceStatus.REFERENCED)


def client_may_act_on(client: Client, citizen) -> bool:
    """Sandbox clients act only on synthetic citizens; production clients never do."""
    if citizen is None:
        return False
    if client.kind is ClientKind.SANDBOX:
        return bool(citizen.is_synthetic)
    return not citizen.is_synthetic
