"""What the decision reads from other helpers' code, with explicit fallbacks.

``review.dossiers.services.requested_data_uses`` (the editor's requested scopes) and
``review.scoring.services.dossier_scores`` / ``ecoscore_for`` (published scores) are
built on another branch. They are imported lazily; when absent:

* :func:`requested_uses` returns ``None``: the requested set is unknown, so the decision
  form asks the agent to enter each approved scope with its purpose and retention, and
  no subset check against a request can be made (the scopes are still checked for syntax).
* :func:`public_scores` returns ``{}`` and :func:`public_ecoscore` ``None``: the listing is
  published without scores.

The catalogue's listing functions are called the same way: ``publish_referencing`` gets
``scores``/``ecoscore_*`` only when its signature accepts them, and listing events go
through ``catalogue.services.record_listing_event`` when it exists (else a ServiceEvent row
is written with the same fields).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

from catalogue.models import DataPurpose


@dataclass(frozen=True)
class DataUse:
    scope: str
    purpose: DataPurpose
    retention_days: int


def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _as_use(raw) -> DataUse:
    if isinstance(raw, dict):
        scope, purpose, days = raw["scope"], raw["purpose"], raw["retention_days"]
    elif isinstance(raw, tuple | list):
        scope, purpose, days = raw
    else:
        scope, purpose, days = raw.scope, raw.purpose, raw.retention_days
    return DataUse(str(scope), DataPurpose(purpose), int(days))


def requested_uses(dossier) -> list[DataUse] | None:
    """The data uses the editor requested, or None when that module is not installed."""
    function = _optional("review.dossiers.services", "requested_data_uses")
    if function is None:
        return None
    return [_as_use(raw) for raw in function(dossier) or []]


def public_scores(dossier) -> dict:
    function = _optional("review.scoring.services", "dossier_scores")
    if function is None:
        return {}
    return dict(function(dossier) or {})


def public_ecoscore(dossier):
    """``(value, grade, details)`` or None."""
    function = _optional("review.scoring.services", "ecoscore_for")
    if function is None:
        return None
    result = function(dossier)
    if result is None:
        return None
    if isinstance(result, dict):
        return result.get("value"), result.get("grade"), result.get("details") or {}
    if isinstance(result, tuple | list):
        value, grade, *rest = result
        return value, grade, rest[0] if rest else {}
    return (
        getattr(result, "value", None),
        getattr(result, "grade", None),
        getattr(result, "details", None) or {},
    )


def publish(service, *, actor, decided_at, valid_until, data_uses, scores, ecoscore) -> None:
    from catalogue import services as catalogue

    kwargs = {
        "actor": actor,
        "decided_at": decided_at,
        "valid_until": valid_until,
        "data_uses": [(u.scope, u.purpose, u.retention_days) for u in data_uses],
    }
    accepted = inspect.signature(catalogue.publish_referencing).parameters
    extra = {"scores": scores}
    if ecoscore is not None:
        value, grade, details = ecoscore
        extra |= {"ecoscore_value": value, "ecoscore_grade": grade, "ecoscore_details": details}
    passed = {k: v for k, v in extra.items() if k in accepted}
    catalogue.publish_referencing(service, **kwargs, **passed)
    # Fields the installed catalogue does not take yet are the spine's published fields.
    for key, value in extra.items():
        if key not in passed and value is not None:
            setattr(service, key, value)


def listing_event(service, kind, summary: str, details: dict) -> None:
    from catalogue import services as catalogue

    function = getattr(catalogue, "record_listing_event", None)
    if function is not None:
        function(service, kind, summary, details=details)
        return
    from catalogue.models import ServiceEvent
    from ens_core.db import db

    db.session.add(ServiceEvent(service_id=service.id, kind=kind, summary=summary, details=details))
    db.session.flush()
