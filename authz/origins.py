"""The CORS origins of registered clients (``ens_core.web.cors.ORIGINS``): the origins of
the redirect URIs of every enabled client, and separately those of confidential clients.

Kept per process and cheap: one query loads every origin, then a lookup is a set
membership. The cache is dropped when a client is inserted, updated or deleted in this
process (an epoch bumped by the mapper events) and after ``ENS_CORS_CACHE_SECONDS``
(default 60) at most, so a client registered through another worker is served within
that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, select

from authz.models import AuthMethod, Client
from ens_core.db import db
from ens_core.web.cors import origin_of

DEFAULT_TTL = 60


@dataclass(frozen=True)
class _Snapshot:
    epoch: int
    loaded_at: float
    every: frozenset[str]
    confidential: frozenset[str]


class ClientOrigins:
    """Provides :class:`ens_core.web.cors.RegisteredOrigins`."""

    def __init__(self):
        self._epoch = 0
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        for change in ("after_insert", "after_update", "after_delete"):
            event.listen(Client, change, self._clients_changed)

    def _clients_changed(self, *_args) -> None:
        with self._lock:
            self._epoch += 1

    def allows(self, origin: str, *, confidential_only: bool = False) -> bool:
        snapshot = self._current()
        return origin in (snapshot.confidential if confidential_only else snapshot.every)

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        ttl = current_app.config.get("ENS_CORS_CACHE_SECONDS", DEFAULT_TTL)
        if (
            snapshot is None
            or snapshot.epoch != self._epoch
            or time.monotonic() - snapshot.loaded_at > ttl
        ):
            snapshot = self._snapshot = self._load()
        return snapshot

    def _load(self) -> _Snapshot:
        epoch = self._epoch
        rows = db.session.execute(
            select(Client.redirect_uris, Client.token_endpoint_auth_method).where(
                Client.is_enabled.is_(True)
            )
        )
        every, confidential = set(), set()
        for uris, method in rows:
            origins = {origin_of(uri) for uri in uris or []} - {None}
            every |= origins
            if method is not AuthMethod.NONE:
                confidential |= origins
        return _Snapshot(epoch, time.monotonic(), frozenset(every), frozenset(confidential))
