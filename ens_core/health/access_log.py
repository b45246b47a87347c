"""The citizen's access log: append-only, one hash chain per citizen.

Each entry stores ``hash = sha256(prev_hash + canonical JSON of the entry)``. Editing,
deleting or reordering any entry breaks the chain at that point; :func:`verify_chain`
reports the first broken entry. Appending moves the citizen's chain head only from the
head the entry was linked to (a conditional update), or locks it first (``SELECT … FOR
UPDATE`` on PostgreSQL), so that concurrent requests cannot fork the chain — one head per
citizen: citizens never wait on each other — and the entry is written in the caller's unit
of work: no data is served without its entry.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import NamedTuple

import orjson
from sqlalchemy import bindparam, cast, insert, select, update
from sqlalchemy.exc import IntegrityError

from ens_core.boundary import begin_writing
from ens_core.db import db, utcnow
from ens_core.health.models import AccessLogEntry, AccessLogHead
from ens_core.prepared import Prepared, dialect_name, is_direct, savepoint, transaction

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


def _canonical(values: Mapping) -> bytes:
    """The canonical JSON, UTF-8: what ``json.dumps(payload, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` writes (an auditor's verifier may use
    it), written by orjson, several times faster on the path of every FHIR call."""
    payload = {name: values[name] for name in _CANONICAL_FIELDS}
    at: datetime = values["at"]
    payload["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    payload["resource_ids"] = list(values["resource_ids"] or [])
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def _entry_canonical(entry: AccessLogEntry) -> bytes:
    names = (*_CANONICAL_FIELDS, "at", "resource_ids")
    return _canonical({name: getattr(entry, name) for name in names})


def canonical(entry: AccessLogEntry) -> str:
    """The entry's content as canonical JSON (sorted keys, no spaces, UTC microseconds)."""
    return _entry_canonical(entry).decode()


def _chain_hash(prev_hash: str, canonical_json: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json).hexdigest()


def compute_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    return _chain_hash(prev_hash, _entry_canonical(entry))


_ENTRIES = AccessLogEntry.__table__
_HEADS = AccessLogHead.__table__
_ENTRY_COLUMNS = (*_CANONICAL_FIELDS, "at", "resource_ids", "prev_hash", "hash")
# Prepared once: this runs on every FHIR call (no ORM unit of work).
_LOCK_HEAD = Prepared(
    select(_HEADS.c.seq, _HEADS.c.hash)
    .where(_HEADS.c.citizen_id == bindparam("citizen"))
    .with_for_update()
)
_NEW_HEAD = Prepared(insert(_HEADS), ("citizen_id", "seq", "hash"))
_APPEND = Prepared(insert(_ENTRIES).returning(_ENTRIES.c.id), _ENTRY_COLUMNS)
# Moves the head only from where the entry was linked: 0 rows if another entry was
# appended since (PostgreSQL re-checks the condition on the row it waited for).
_ADVANCE = (
    update(_HEADS)
    .where(
        _HEADS.c.citizen_id == bindparam("citizen"),
        _HEADS.c.seq == bindparam("old_seq"),
        _HEADS.c.hash == bindparam("old_hash"),
    )
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_ADVANCE_HEAD = Prepared(_ADVANCE)


@functools.cache
def _append_after_head() -> Prepared:
    """PostgreSQL: move the head and insert the entry in one statement (a data-modifying
    WITH): no entry if the head moved since the entry was linked. Built at first use: the
    type of a foreign-key column is its target's, known once every model is loaded."""
    moved = _ADVANCE.returning(_HEADS.c.citizen_id).cte("moved")
    # Typed: PostgreSQL infers nothing from the parameters of a SELECT list.
    values = select(
        *(
            cast(bindparam(name, type_=_ENTRIES.c[name].type), _ENTRIES.c[name].type)
            for name in _ENTRY_COLUMNS
        )
    ).select_from(moved)
    return Prepared(
        insert(_ENTRIES)
        .from_select(_ENTRY_COLUMNS, values)
        .returning(_ENTRIES.c.id)
        .add_cte(moved)
    )



class ChainHead(NamedTuple):
    """The last link of a citizen's chain: its seq (0: no entry yet) and hash."""

    seq: int
    hash: str


def head_columns(citizen) -> tuple:
    """The citizen's head as two scalar columns (seq, hash; NULL before the first entry),
    to read with another statement of the unit of work: see :func:`chain_head`."""
    where = _HEADS.c.citizen_id == citizen
    return (
        select(_HEADS.c.seq).where(where).scalar_subquery(),
        select(_HEADS.c.hash).where(where).scalar_subquery(),
    )


def chain_head(seq: int | None, hash_: str | None) -> ChainHead | None:
    return None if seq is None or hash_ is None else ChainHead(seq, hash_)


class LoggedEntry(SimpleNamespace):
    """The values of an entry just appended (read-only by convention; an ORM object would
    cost more than the statements that wrote the row)."""


def _lock_head(citizen_id: int) -> ChainHead:
    """The citizen's chain head, locked until the transaction ends (``SELECT … FOR
    UPDATE`` on PostgreSQL; on SQLite the writer holds the database's write lock)."""
    row = _LOCK_HEAD.first({"citizen": citizen_id})
    if row is None:
        try:
            with savepoint():  # the citizen's first entry: start the chain
                _NEW_HEAD.run({"citizen_id": citizen_id, "seq": 0, "hash": GENESIS})
            return ChainHead(0, GENESIS)
        except IntegrityError:
            # A concurrent first request started it just now (PostgreSQL let both look
            # for it): wait for its lock like any later request.
            row = _LOCK_HEAD.first({"citizen": citizen_id})
    return ChainHead(row[0], row[1])


def _actor_kind(citizen_id: int, service, actor) -> str:
    if service is not None:
        return "service"
    if actor is not None and getattr(actor, "id", None) != citizen_id:
        return "delegate"
    return "citizen"


@dataclass
class PendingEntry:
    """An entry's values, linked to ``head`` when the caller read it (its hash computed
    before the unit of work takes the write lock); :func:`append_entry` writes it."""

    values: dict
    head: ChainHead | None


def _link(values: dict, head: ChainHead) -> None:
    values["seq"], values["prev_hash"] = head.seq + 1, head.hash
    values["hash"] = _chain_hash(head.hash, _canonical(values))


def new_entry(
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
    head: ChainHead | None = None,
) -> PendingEntry:
    """An entry for ``citizen``'s log, not written yet (see :func:`record_access` for the
    actor); ``head``: the citizen's chain head read earlier in this unit of work
    (:func:`head_columns`), if it was."""
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
    if head is not None:
        _link(values, head)
    return PendingEntry(values, head)


def _append_linked(values: dict, head: ChainHead) -> int | None:
    """Move the head from ``head`` to the entry and insert the entry: its id, or None
    (nothing written) if ``head`` is no longer the head."""
    moves = {
        "citizen": values["citizen_id"],
        "old_seq": head.seq,
        "old_hash": head.hash,
        "new_seq": values["seq"],
        "new_hash": values["hash"],
    }
    if dialect_name() == "postgresql":
        row = _append_after_head().first({**values, **moves})
        return row[0] if row is not None else None
    # SQLite: the unit holds the database's write lock; two statements in its transaction.
    if _ADVANCE_HEAD.run(moves) != 1:
        return None
    return _APPEND.first(values)[0]


def append_entry(entry: PendingEntry) -> LoggedEntry:
    """Write ``entry`` in the unit of work, which writes from now on. Linked to a head
    that is still the head, that is one statement on PostgreSQL, two on SQLite;
    otherwise, in one transaction, the head is locked, the entry linked to it and
    written."""
    values = entry.values
    entry_id = _append_linked(values, entry.head) if entry.head is not None else None
    if entry_id is None:
        with transaction():
            head = _lock_head(values["citizen_id"])
            _link(values, head)
            entry_id = _append_linked(values, head)
        if entry_id is None:
            raise RuntimeError("the access-log chain head moved under its lock")
    if not is_direct():
        session = db.session
        key = session.identity_key(AccessLogHead, values["citizen_id"])
        loaded = session.identity_map.get(key)
        if loaded is not None:  # an ORM copy of the head read earlier: no longer current
            session.expire(loaded)
    return LoggedEntry(id=entry_id, **values)


def record_access(citizen, **fields) -> LoggedEntry:
    """Append an entry to ``citizen``'s log (lock the head, move it, insert the entry);
    returns its values. ``fields``: those of :func:`new_entry`.

    The actor is a service (``service``/``client``), or a person acting for the citizen
    (``actor``: a guardian), or both (a guardian consented for the minor: the service acts,
    and ``actor`` records on whose consent)."""
    return write_entry(new_entry(citizen, **fields))


def write_entry(entry: PendingEntry) -> LoggedEntry:
    """Write ``entry`` in the request's or command's unit of work (:func:`append_entry`),
    saying first that it writes."""
    begin_writing()  # the values are read: a SQLite reader may end its snapshot now
    return append_entry(entry)


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
