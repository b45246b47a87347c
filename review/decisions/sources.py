"""What the decision reads from other helpers' code, with explicit fallbacks.

``review.dossiers.services.requested_data_uses`` (the editor's requested scopes) and
``review.scoring.services.dossier_scores`` / ``ecoscore_for`` (published scores) are
built on another branch. They are imported lazily; when absent:

* :func:`requested_uses` returns ``None``: the requested set is unknown, so the decision
  form asks the agent to enter each approved scope with its purpose and retention, and
  no subset check against a request can be made (the scopes are still checked for syntax).
* :func:`public_scores` returns ``{}`` and :func:`public_ecoscore` ``None``: the listing is
  published without scores.

"""

from __future__ import annotations

import importlib
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


def publish(
    service, *, actor, decided_at, valid_until, data_uses, scores, ecoscore, summary
) -> None:
    from catalogue import services as catalogue

    value, grade, details = ecoscore if ecoscore is not None else (None, None, {})
    catalogue.publish_referencing(
        service,
        actor=actor,
        decided_at=decided_at,
        valid_until=valid_until,
        data_uses=[(u.scope, u.purpose, u.retention_days) for u in data_uses],
        scores=scores,
        ecoscore_value=value,
        ecoscore_grade=grade,
        ecoscore_details=details,
        summary=summary,
    )
