"""Catalogue access policies."""

from __future__ import annotations

from catalogue import services
from ens_core.accounts.policies import can_use_agent_portal, can_use_editor_portal


def can_manage_organisation(user, organisation) -> bool:
    return can_use_editor_portal(user) and services.is_member(user, organisation)


def can_manage_service(user, service) -> bool:
    return can_manage_organisation(user, service.organisation)


def can_view_service_internals(user, service) -> bool:
    return can_manage_service(user, service) or can_use_agent_portal(user)
