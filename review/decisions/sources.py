"""What a decision reads from the dossier (requested uses, scores) and how it publishes
the listing through the catalogue's functions."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue import services as catalogue
from catalogue.models import DataPurpose
from review.dossiers.services import requested_data_uses
from review.scoring.services import dossier_scores, ecoscore_for


@dataclass(frozen=True)
class DataUse:
    scope: str
    purpose: DataPurpose
    retention_days: int


def _as_use(raw) -> DataUse:
    if isinstance(raw, dict):
        scope, purpose, days = raw["scope"], raw["purpose"], raw["retention_days"]
    elif isinstance(raw, tuple | list):
        scope, purpose, days = raw
    else:
        scope, purpose, days = raw.scope, raw.purpose, raw.retention_days
    return DataUse(str(scope), DataPurpose(purpose), int(days))


def requested_uses(dossier) -> list[DataUse]:
    """The data uses the editor requested in the dossier."""
    return [_as_use(raw) for raw in requested_data_uses(dossier)]


def public_scores(dossier) -> dict:
    return dict(dossier_scores(dossier) or {})


def public_ecoscore(dossier):
    """``(value, grade, details)`` or None when no measurements were submitted."""
    return ecoscore_for(dossier)


def publish(
    service, *, actor, decided_at, valid_until, data_uses, scores, ecoscore, summary, event_kind
) -> None:
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
        event_kind=event_kind,
    )
