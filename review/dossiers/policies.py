"""Who may see and act on a dossier."""

from __future__ import annotations

from catalogue.policies import can_manage_service
from ens_core.accounts.policies import can_use_agent_portal


def can_manage_dossier(user, dossier) -> bool:
    """Editors members of the service's organisation."""
    return dossier is not None and can_manage_service(user, dossier.service)


def can_review_dossier(user, dossier) -> bool:
    """Agents of the referencing authority."""
    return dossier is not None and can_use_agent_portal(user)


def can_download_evidence(user, dossier) -> bool:
    return can_manage_dossier(user, dossier) or can_review_dossier(user, dossier)
