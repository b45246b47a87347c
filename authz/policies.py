"""Who may act for whom: the checks shared by the authorize, token and resource endpoints."""

from __future__ import annotations

from authz.models import Client, ClientKind
from ens_core.service_directory import SERVICES


def client_is_live(client: Client | None, service) -> bool:
    """May this client obtain or use tokens right now?

    A production client needs an enabled client and an operational (referenced) service.
    A sandbox client serves a service still in the referencing process, so a draft
    service is fine; a suspended or delisted one is not.
    """
    if client is None or service is None or not client.is_enabled:
        return False
    return SERVICES.get().may_use_tokens(service, sandbox=client.kind is ClientKind.SANDBOX)


def client_may_act_on(client: Client, citizen) -> bool:
    """Sandbox clients act only on synthetic citizens; production clients never do."""
    if citizen is None:
        return False
    if client.kind is ClientKind.SANDBOX:
        return bool(citizen.is_synthetic)
    return not citizen.is_synthetic


def can_view_receipt(user, receipt) -> bool:
    """A consent receipt is seen by the citizen and by whoever consented for them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.id in (receipt.citizen_id, receipt.consented_by_id)
