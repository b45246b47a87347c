"""Domain signals (blinker): a package announces what happened, others react.

Declared here, in the lowest layer, so that any package may send or receive them without
importing the other. The sender is the Flask app (``current_app._get_current_object()``);
a package connects its receivers for its own app in its ``init_app``
(``grant_changed.connect(receiver, app)``), never process-wide.

Every receiver runs synchronously inside the sender's transaction: it may read, write and
flush, never commit or roll back (the request or the CLI command that started the work
commits once). An exception in a receiver fails the sender's operation.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

_signals = Namespace()

grant_changed = _signals.signal(
    "grant-changed",
    doc="""A citizen's consent to a service (a grant) was created or changed.

    Sent by authz. Keyword arguments: ``grant`` (the grant; None for a bulk change),
    ``service_id``, and ``change``: ``"created"``, ``"restored"`` (consented again after
    a revocation), ``"updated"`` (consented again while live), ``"renewed"`` (extended from
    the citizen's space) or ``"revoked"`` (``grant`` None when every grant of the service
    was revoked at once). Receivers run inside the sender's transaction: they flush,
    never commit.""",
)

declaration_recorded = _signals.signal(
    "declaration-recorded",
    doc="""An editor recorded or closed a hosting or controlling-owner declaration.

    Sent by catalogue after the declaration is flushed. Keyword arguments: ``services``
    (the services it concerns: the one hosted, or every service of the organisation the
    owner controls) and ``declaration``. Receivers run inside the sender's transaction:
    they flush, never commit.""",
)

abuse_reported = _signals.signal(
    "abuse-reported",
    doc="""A citizen reported an abuse by a service from the health space.

    Sent by ens_core.health after the report is flushed. Keyword argument: ``report``.
    Receivers run inside the sender's transaction: they flush, never commit.""",
)

service_status_changed = _signals.signal(
    "service-status-changed",
    doc="""A service's status changed (referenced, suspended, delisted…).

    Sent by catalogue after the change is flushed. Keyword arguments: ``service``,
    ``previous`` and ``status`` (catalogue's ``ServiceStatus`` values, strings). Receivers
    run inside the sender's transaction: they flush, never commit.""",
)


def send(signal, **kwargs) -> None:
    """Send ``signal`` for the current app (the sender receivers subscribed to)."""
    signal.send(current_app._get_current_object(), **kwargs)
