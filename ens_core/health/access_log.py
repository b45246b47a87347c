"""The citizen's access log: append-only, one hash chain per citizen.

Each entry stores ``hash = sha256(prev_hash + canonical JSON of the entry)``. Editing,
deleting or reordering any entry breaks the chain at that point; :func:`verify_chain`
reports the first broken entry. Appending locks the citizen's chain head (``SELECT …
FOR UPDATE`` on PostgreSQL) so that concurrent requests cannot fork the chain — one head
per citizen: citizens never wait on each other — and the entry is written in the caller's
transaction: no data is served without its entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ens_core.boundary import begin_writing
from ens_core.db import db, utcnow
from ens_core.health.models import AccessLogEntry, AccessLogHead
from ens_core.prepared import Prepared, is_direct, savepoint

GENESIS = "0" * 64
INTERACTIONS = ("read", "search", "create", "update", "delete", "export", "transaction")
WRITES = ("create", "update", "delete", "transaction")


_CANONICAL_FIELDS = (
    "citizen_id",
    "seq",
    "actor_kind",
    "service_id",
    "client_id",
    "service_name",
    "editor_name",
    "actor_user_id",
    "actor_name",
    "interaction",
    "resource_type",
    "outcome",
    "status_code",
    "detail",
    "ip",
)


def _canonical(values: Mapping) -> str:
    payload = {name: values[name] for name in _CANONICAL_FIELDS}
    at: datetime = values["at"]
    payload["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    payload["resource_ids"] = list(values["resource_ids"] or [])
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(entry: AccessLogEntry) -> str:
    """The entry's content as canonical JSON (sorted keys, no spaces, UTC microseconds)."""
    names = (*_CANONICAL_FIELDS, "at", "resource_ids")
    return _canonical({name: getattr(entry, name) for name in names})


def compute_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


_ENTRIES = AccessLogEntry.__table__
_HEADS = AccessLogHead.__table__
# Prepared once: this runs on every FHIR call (three statements in the transaction, no
# ORM unit of work).
_LOCK_HEAD = Prepared(
    select(_HEADS.c.seq, _HEADS.c.hash)
    .where(_HEADS.c.citizen_id == bindparam("citizen"))
    .with_for_update()
)
_NEW_HEAD = Prepared(insert(_HEADS), ("citizen_id", "seq", "hash"))
_APPEND = Prepared(
    insert(_ENTRIES).returning(_ENTRIES.c.id),
    (*_CANONICAL_FIELDS, "at", "resource_ids", "prev_hash", "hash"),
)
_MOVE_HEAD = Prepared(
    update(_HEADS)
    .where(_HEADS.c.citizen_id == bindparam("citizen"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


class LoggedEntry(SimpleNamespace):
    """The values of an entry just appended (read-only by convention; an ORM object would
    cost more than the three statements that wrote the row)."""


def _lock_head(citizen_id: int) -> tuple[int, str]:
    """The citizen's chain head (seq, hash), locked until the transaction ends (``SELECT …
    FOR UPDATE`` on PostgreSQL; on SQLite the writer holds the database's write lock)."""
    row = _LOCK_HEAD.first({"citizen": citizen_id})
    if row is None:
        try:
            with savepoint():  # the citizen's first entry: start the chain
                _NEW_HEAD.run({"citizen_id": citizen_id, "seq": 0, "hash": GENESIS})
            return 0, GENESIS
        except IntegrityError:
            # A concurrent first request started it just now (PostgreSQL let both look
            # for it): wait for its lock like any later request.
            row = _LOCK_HEAD.first({"citizen": citizen_id})
    return row[0], row[1]


def _actor_kind(citizen_id: int, service, actor) -> str:
    if service is not None:
        return "service"
    if actor is not None and getattr(actor, "id", None) != citizen_id:
        return "delegate"
    return "citizen"


def record_access(
    citizen,
    *,
    interaction: str,
    resource_type: str,
    resource_ids: list[str] | tuple = (),
    outcome: str = "success",
    status_code: int = 200,
    service=None,
    client=None,
    actor=None,
    detail: str | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> LoggedEntry:
    """Append an entry to ``citizen``'s log (three prepared statements: lock the head, insert
    the entry, move the head); returns its values.

    The actor is a service (``service``/``client``), or a person acting for the citizen
    (``actor``: a guardian), or both (a guardian consented for the minor: the service acts,
    and ``actor`` records on whose consent)."""
    citizen_id = citizen if isinstance(citizen, int) else citizen.id
    organisation = getattr(service, "organisation", None) if service is not None else None
    values = {
        "citizen_id": citizen_id,
        "at": at or utcnow(),
        "actor_kind": _actor_kind(citizen_id, service, actor),
        "service_id": getattr(service, "id", None),
        "client_id": getattr(client, "client_id", None),
        "service_name": getattr(service, "name", None),
        "editor_name": getattr(organisation, "legal_name", None),
        "actor_user_id": getattr(actor, "id", None),
        "actor_name": getattr(actor, "name", None),
        "interaction": interaction,
        "resource_type": resource_type,
        "resource_ids": [str(i) for i in resource_ids][:200],
        "outcome": outcome,
        "status_code": status_code,
        "detail": (detail or None) and detail[:500],
        "ip": ip,
    }
    begin_writing()  # the values are read: a SQLite reader may end its snapshot now
    seq, prev_hash = _lock_head(citizen_id)
    values["seq"], values["prev_hash"] = seq + 1, prev_hash
    values["hash"] = hashlib.sha256((prev_hash + _canonical(values)).encode()).hexdigest()
    (entry_id,) = _APPEND.first(values)
    _MOVE_HEAD.run({"citizen": citizen_id, "new_seq": values["seq"], "new_hash": values["hash"]})
    if not is_direct():
        session = db.session
        loaded = session.identity_map.get(session.identity_key(AccessLogHead, citizen_id))
        if loaded is not None:  # an ORM copy of the head read earlier: no longer current
            session.expire(loaded)
    return LoggedEntry(id=entry_id, **values)


@dataclass(frozen=True)
class ChainCheck:
    citizen_id: int
    entries: int
    ok: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None


def _entries_in_order(citizen_id: int, batch: int = 1000):
    """The citizen's entries by seq, fetched in batches (bounded memory, no open cursor
    left behind when the check stops early)."""
    last = 0
    while True:
        rows = db.session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.citizen_id == citizen_id, AccessLogEntry.seq > last)
            .order_by(AccessLogEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(citizen_id: int) -> ChainCheck:
    """Recompute the citizen's chain from the start; report the first broken entry."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = _entries_in_order(citizen_id)
    for entry in rows:
        count += 1
        if entry.seq != expected_seq:
            return ChainCheck(
                citizen_id, count, False, expected_seq, entry.id, "missing entry before this one"
            )
        if entry.prev_hash != prev:
            return ChainCheck(
                citizen_id, count, False, entry.seq, entry.id, "previous hash does not match"
            )
        if compute_hash(prev, entry) != entry.hash:
            return ChainCheck(citizen_id, count, False, entry.seq, entry.id, "entry was modified")
        prev = entry.hash
        expected_seq += 1
    head = db.session.get(AccessLogHead, citizen_id)
    if head is not None and (head.seq != count or head.hash != prev):
        return ChainCheck(
            citizen_id, count, False, count + 1, None, "entries missing at the end of the log"
        )
    return ChainCheck(citizen_id, count, True)


def verify_all() -> list[ChainCheck]:
    citizen_ids = set(db.session.scalars(select(AccessLogHead.citizen_id))) | set(
        db.session.scalars(select(AccessLogEntry.citizen_id).distinct())
    )
    return [verify_chain(cid) for cid in sorted(citizen_ids)]
