from __future__ import annotations

from ens_core.db import db
from ens_core.notifications.models import Notification


def notify(user, kind: str, title: str, body: str = "", link: str | None = None) -> Notification:
    """Queue a notification for ``user`` (delivered when the caller's transaction commits)."""
    notification = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link)
    db.session.add(notification)
    db.session.flush()
    return notification
