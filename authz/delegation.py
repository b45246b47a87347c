"""The guardian path, through the health space's delegation module when it exists.

``ens_core.health.delegation.can_act_for(guardian, citizen)`` decides; without it, nobody
can consent for someone else (the guardian path is unavailable)."""

from __future__ import annotations

import importlib


def _module():
    try:
        return importlib.import_module("ens_core.health.delegation")
    except ImportError:
        return None


def guardian_path_available() -> bool:
    module = _module()
    return module is not None and callable(getattr(module, "can_act_for", None))


def can_act_for(guardian, citizen) -> bool:
    module = _module()
    check = getattr(module, "can_act_for", None) if module else None
    if check is None or guardian is None or citizen is None or guardian.id == citizen.id:
        return False
    return bool(check(guardian, citizen))


def wards_of(guardian) -> list:
    """The people ``guardian`` may consent for (empty when the path is unavailable)."""
    module = _module()
    if module is None or not guardian_path_available():
        return []
    listing = getattr(module, "wards_of", None)
    if listing is None:
        return []
    return [ward for ward in listing(guardian) if can_act_for(guardian, ward)]
