from __future__ import annotations

from ens_core.audit.models import AuditEvent
from ens_core.db import db


def record_event(actor, action: str, object_type: str, object_id, **details) -> AuditEvent:
    """Record an administrative act; ``actor`` is a User or None for the system."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event
