"""Throttling with exponential back-off: slow down whoever keeps failing, lock no one out.

A :class:`Rule` counts failures per key (an address, an account, a client id). The first
``free`` failures cost nothing; after them each failure makes the key wait ``base``
seconds, then twice as long, and so on up to ``cap``; the count is forgotten ``forget``
seconds after the last failure. A key that must wait is answered ``429`` with
``Retry-After`` (:func:`wait`); a success may forget the key (:func:`forget`).

An account's counter never keeps its owner out for good: the e-mailed sign-in link and the
password reset (``ens_core.accounts.links``) bypass it and forget it.

Where the counters live: in Redis when ``ENS_REDIS_URL`` is set (one Lua script per
failure, one ``HMGET`` round trip per check; shared by every instance), else in the
database table ``throttle_counters`` (one upsert per key and failure, one indexed
``SELECT`` per check). Keys are stored as SHA-256 digests: the table and Redis hold no
e-mail address and no IP address. If Redis cannot be reached the database is used, so a
Redis outage neither opens the gates nor locks everybody out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow
from ens_core.security import hash_secret

log = logging.getLogger("ens.throttle")

_REDIS = "ens_throttle_redis"
_REDIS_PREFIX = "ens:throttle:"


class ThrottleCounter(db.Model):
    """Failures of one throttled key (the database backend)."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int]
    last_at: Mapped[datetime]


@dataclass(frozen=True)
class Rule:
    name: str
    free: int  # failures allowed before any wait
    base: float  # first wait, seconds
    cap: float  # longest wait, seconds
    forget: float  # seconds after the last failure when the count starts again

    def delay(self, count: int) -> float:
        if count <= self.free:
            return 0.0
        return min(self.base * 2 ** min(count - self.free - 1, 40), self.cap)

    def key(self, value: str) -> str:
        return hash_secret(f"{self.name}\x00{value}")


# Passwords from one address: 10 free, then 1 s, 2 s, 4 s… — at most ~16 tries in the
# first minute, and far fewer after.
LOGIN_ADDRESS = Rule("login-address", free=10, base=1, cap=15 * 60, forget=30 * 60)
# Passwords for one account (known or not: the same for both, to reveal nothing).
LOGIN_ACCOUNT = Rule("login-account", free=5, base=2, cap=15 * 60, forget=30 * 60)
# E-mails sent (password reset, sign-in link): every request counts; 3 in a row per
# account, 5 per address, then 1 min, 2 min… The account's wait stays under the 15 minutes
# a sign-in link lives: someone asking links for her address to keep her out only fills
# her mailbox with valid links (a few an hour).
MAIL_ADDRESS = Rule("mail-address", free=4, base=30, cap=60 * 60, forget=60 * 60)
MAIL_ACCOUNT = Rule("mail-account", free=2, base=60, cap=10 * 60, forget=60 * 60)
# Unknown or used links (reset, sign-in) presented from one address.
LINK_ADDRESS = Rule("link-address", free=10, base=1, cap=15 * 60, forget=30 * 60)
# OAuth client authentication at /oauth/token, /oauth/revoke, /oauth/introspect.
CLIENT_ADDRESS = Rule("client-address", free=10, base=1, cap=15 * 60, forget=30 * 60)
CLIENT_ID = Rule("client-id", free=20, base=1, cap=5 * 60, forget=15 * 60)

Keyed = tuple[Rule, str]


@dataclass(frozen=True)
class Wait:
    """The longest wait among the keys checked, and the rule that imposes it."""

    seconds: float
    rule: Rule | None = None

    def __bool__(self) -> bool:
        return self.seconds > 0

    @property
    def retry_after(self) -> int:
        """For the ``Retry-After`` header: whole seconds, at least 1."""
        return max(1, math.ceil(self.seconds))


NO_WAIT = Wait(0.0)


def _longest(waits: Iterable[Wait]) -> Wait:
    return max(waits, key=lambda w: w.seconds, default=NO_WAIT)


def _wait_of(rule: Rule, count: int, last_at: datetime | None, now: datetime) -> Wait:
    if not count or last_at is None or (now - last_at).total_seconds() > rule.forget:
        return NO_WAIT
    left = (last_at - now).total_seconds() + rule.delay(count)
    return Wait(left, rule) if left > 0 else NO_WAIT


# --- the two backends --------------------------------------------------------------------

# One failure for each key: count + 1 (or 1 once forgotten), last = now; returns the counts.
_FAIL_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local forget = tonumber(ARGV[i + 1])
  local now = tonumber(ARGV[1])
  local last = tonumber(redis.call('HGET', key, 'l') or '-1e18')
  local count = 1
  if now - last <= forget then count = redis.call('HINCRBY', key, 'c', 1)
  else redis.call('HSET', key, 'c', 1) end
  redis.call('HSET', key, 'l', ARGV[1])
  redis.call('EXPIRE', key, math.ceil(forget) + 1)
  counts[i] = count
end
return counts
"""


def _redis():
    url = current_app.config.get("ENS_REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get(_REDIS)
    if client is None or client[0] != url:
        connection = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        client = (url, connection, connection.register_script(_FAIL_SCRIPT))
        current_app.extensions[_REDIS] = client
    return client


def _redis_states(keys: list[Keyed]) -> list[tuple[int, datetime | None]]:
    _, connection, _ = _redis()
    pipe = connection.pipeline(transaction=False)
    for rule, value in keys:
        pipe.hmget(_REDIS_PREFIX + rule.key(value), "c", "l")
    states = []
    for count, last in pipe.execute():
        at = datetime.fromtimestamp(float(last), utcnow().tzinfo) if last else None
        states.append((int(count or 0), at))
    return states


def _redis_fail(keys: list[Keyed], now: datetime) -> list[int]:
    _, _, script = _redis()
    names = [_REDIS_PREFIX + rule.key(value) for rule, value in keys]
    args = [now.timestamp(), *(rule.forget for rule, _ in keys)]
    return [int(c) for c in script(keys=names, args=args)]


def _db_states(keys: list[Keyed]) -> list[tuple[int, datetime | None]]:
    digests = [rule.key(value) for rule, value in keys]
    rows = dict(
        db.session.execute(
            select(ThrottleCounter.key, ThrottleCounter).where(ThrottleCounter.key.in_(digests))
        ).all()
    )
    return [(rows[d].count, rows[d].last_at) if d in rows else (0, None) for d in digests]


def _db_fail(keys: list[Keyed], now: datetime) -> list[int]:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    counts = []
    for rule, value in keys:
        statement = insert(ThrottleCounter).values(key=rule.key(value), count=1, last_at=now)
        forgotten = ThrottleCounter.last_at < now - timedelta(seconds=rule.forget)
        statement = statement.on_conflict_do_update(
            index_elements=[ThrottleCounter.key],
            set_={
                "count": case((forgotten, 1), else_=ThrottleCounter.count + 1),
                "last_at": now,
            },
        ).returning(ThrottleCounter.count)
        counts.append(db.session.execute(statement).scalar_one())
    return counts


# --- what callers use ---------------------------------------------------------------------


def wait(keys: list[Keyed], *, now: datetime | None = None) -> Wait:
    """How long the caller must still wait before trying again (falsy: not at all)."""
    now = now or utcnow()
    states = None
    if _redis() is not None:
        try:
            states = _redis_states(keys)
        except redis.RedisError:
            log.exception("Redis unreachable: throttle counters read from the database")
    if states is None:
        states = _db_states(keys)
    return _longest(
        _wait_of(rule, count, last, now)
        for (rule, _), (count, last) in zip(keys, states, strict=True)
    )


def fail(keys: list[Keyed], *, now: datetime | None = None) -> Wait:
    """Count one failure for each key; returns the wait it now imposes. Kept even when the
    request is then refused and rolled back (in the database, written again after it)."""
    now = now or utcnow()
    if _redis() is not None:
        try:
            counts = _redis_fail(keys, now)
        except redis.RedisError:
            log.exception("Redis unreachable: throttle counters written to the database")
        else:
            return _longest(
                _wait_of(r, c, now, now) for (r, _), c in zip(keys, counts, strict=True)
            )
    counts = record_even_if_refused(lambda: _db_fail(keys, now))
    return _longest(_wait_of(r, c, now, now) for (r, _), c in zip(keys, counts, strict=True))


def forget(keys: list[Keyed]) -> None:
    """Start again from zero for these keys (a successful login, a link used)."""
    if _redis() is not None:
        try:
            _redis()[1].delete(*(_REDIS_PREFIX + rule.key(value) for rule, value in keys))
            return
        except redis.RedisError:
            log.exception("Redis unreachable: throttle counters forgotten in the database")
    db.session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.key.in_([rule.key(value) for rule, value in keys])
        )
    )


def purge(*, now: datetime | None = None, older_than: float = 24 * 3600) -> int:
    """Delete database counters untouched for ``older_than`` seconds (a day by default:
    longer than any rule's ``forget``); returns how many. Redis keys expire by themselves."""
    now = now or utcnow()
    result = db.session.execute(
        delete(ThrottleCounter).where(ThrottleCounter.last_at < now - timedelta(seconds=older_than))
    )
    return result.rowcount or 0
