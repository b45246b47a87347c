"""Signing keys: ES256 for access tokens, RS256 and ES256 for ID tokens.

Keys live in the database so that every worker signs with the same key and the JWKS is
the same everywhere. The private half is encrypted with a Fernet key derived from
``ENS_KEY_ENCRYPTION_KEY`` (or, failing that, the app's ``SECRET_KEY``); it is never
logged or rendered. Rotation (``ens keys rotate``) retires the current keys: they stop
signing at once but stay published in ``/oauth/jwks`` for ``ENS_KEY_RETENTION_SECONDS``
(default one hour, longer than any token they signed), so tokens already issued keep
verifying.

**Per-process cache.** Verifying a token and signing one need the keys on every request:
each worker keeps them in memory (:class:`_KeyCache`, one per app) instead of reading
them from the database each time. The cache never decides whether a token is *revoked*
(the resource server checks the token, grant, client and service live on every request);
it only holds public keys and the current signing key, and:

* a verification key set is reloaded every ``ENS_KEY_CACHE_SECONDS`` (default 30), at
  the moment the first retired key it holds reaches the end of its retention (computed
  from the cached ``retired_at``: a retired key drops out on time without a query), and
  whenever a token names a ``kid`` the cached set does not hold (a key another worker
  just created);
* the signing key is reloaded on the same period: after ``ens keys rotate`` in another
  process a worker may sign with the retired key for that long, and those tokens verify
  (a retired key stays published for its retention, far longer);
* any change to a signing key flushed in this process empties the cache at once, and the
  session that made it does not fill the cache again before its transaction ends (then
  the cache is emptied once more: the change was committed or rolled back).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from authz.models import SigningKey
from ens_core.db import db, utcnow

ACCESS_TOKEN_ALG = "ES256"  # noqa: S105 (an algorithm name)
ID_TOKEN_ALGS = ("RS256", "ES256")
ALGORITHMS = ("ES256", "RS256")
DEFAULT_RETENTION_SECONDS = 3600
DEFAULT_CACHE_SECONDS = 30

_cache_lock = threading.Lock()
_private_cache: dict[str, object] = {}
_public_cache: dict[str, object] = {}


def _fernet() -> Fernet:
    secret = current_app.config.get("ENS_KEY_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"ens-store", info=b"oauth-signing-keys"
    ).derive(secret.encode() if isinstance(secret, str) else secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def _retention() -> timedelta:
    return timedelta(
        seconds=int(current_app.config.get("ENS_KEY_RETENTION_SECONDS", DEFAULT_RETENTION_SECONDS))
    )


def create_key(alg: str) -> SigningKey:
    """Generate a new signing key for ``alg`` and store it (private half encrypted)."""
    if alg == "ES256":
        key = ECKey.generate_key("P-256", private=True)
    elif alg == "RS256":
        key = RSAKey.generate_key(2048, private=True)
    else:
        raise ValueError(f"unsupported algorithm {alg}")
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": alg}
    record = SigningKey(
        kid=kid,
        alg=alg,
        public_jwk=public,
        private_key_encrypted=_fernet().encrypt(key.as_pem(private=True)).decode(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def current_key(alg: str) -> SigningKey:
    """The newest non-retired key for ``alg``, created on first use."""
    record = db.session.scalar(
        select(SigningKey)
        .where(SigningKey.alg == alg, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    )
    if record is not None:
        try:
            private_key(record)
        except InvalidToken:
            # Encrypted under another key (ENS_KEY_ENCRYPTION_KEY or SECRET_KEY changed):
            # unusable for signing. Retire it and start a fresh key rather than fail.
            record.retired_at = utcnow()
            db.session.flush()
            record = None
    return record or create_key(alg)


def rotate_keys(now=None) -> list[SigningKey]:
    """Retire every signing key and create fresh ones (one per algorithm).

    Retired keys stay in the JWKS for the retention period, then drop out of it."""
    now = now or utcnow()
    for record in db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        record.retired_at = now
    db.session.flush()
    return [create_key(alg) for alg in ALGORITHMS]


def published_keys(now=None) -> list[SigningKey]:
    """Keys that verify tokens: active ones and those retired within the retention time."""
    now = now or utcnow()
    limit = now - _retention()
    return list(
        db.session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > limit))
            .order_by(SigningKey.id)
        )
    )


def jwks(now=None) -> dict:
    """The public JSON Web Key Set served at ``/oauth/jwks``."""
    if not any(r.retired_at is None for r in published_keys(now)):
        for alg in ALGORITHMS:
            current_key(alg)
    return {"keys": [dict(r.public_jwk) for r in published_keys(now)]}


def private_key(record: SigningKey):
    """The joserfc private key of ``record`` (decrypted once per process)."""
    with _cache_lock:
        key = _private_cache.get(record.kid)
    if key is None:
        pem = _fernet().decrypt(record.private_key_encrypted.encode())
        cls = ECKey if record.alg == "ES256" else RSAKey
        key = cls.import_key(pem, parameters={"kid": record.kid, "alg": record.alg})
        with _cache_lock:
            _private_cache[record.kid] = key
    return key


def _public_key(record: SigningKey):
    with _cache_lock:
        key = _public_cache.get(record.kid)
    if key is None:
        cls = ECKey if record.alg == "ES256" else RSAKey
        key = cls.import_key(dict(record.public_jwk))
        with _cache_lock:
            _public_cache[record.kid] = key
    return key


def verification_keys(alg: str, now=None) -> KeySet:
    """Published public keys for ``alg``, as a joserfc KeySet (chosen by ``kid``), read
    from the database."""
    return KeySet([_public_key(r) for r in published_keys(now) if r.alg == alg])


# --- the per-process cache (see the module's doc) -----------------------------------------


@dataclass
class _Verification:
    key_set: KeySet
    kids: frozenset[str]
    until: float  # time.monotonic()


@dataclass
class _Signing:
    kid: str
    key: object
    until: float


@dataclass
class _KeyCache:
    verification: dict[str, _Verification] = field(default_factory=dict)
    signing: dict[str, _Signing] = field(default_factory=dict)

    def clear(self) -> None:
        self.verification.clear()
        self.signing.clear()


_EXTENSION = "ens_key_cache"
_caches: list[_KeyCache] = []  # every app's cache of this process (to forget them all)


def _cache() -> _KeyCache:
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(_EXTENSION, _KeyCache())
        with _cache_lock:
            _caches.append(cache)
    return cache


def forget_cached_keys() -> None:
    """Empty every key cache of this process (a key changed here)."""
    with _cache_lock:
        for cache in _caches:
            cache.clear()


def _cache_seconds() -> float:
    return float(current_app.config.get("ENS_KEY_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def cached_verification_keys(alg: str, kid: str | None = None) -> KeySet:
    """:func:`verification_keys` from this process's cache; reloaded when stale or when
    ``kid`` (the token's) is not in it."""
    cache = _cache()
    entry = cache.verification.get(alg)
    clock = time.monotonic()
    if entry is None or clock >= entry.until or (kid is not None and kid not in entry.kids):
        now = utcnow()
        records = [r for r in published_keys(now) if r.alg == alg]
        until = clock + _cache_seconds()
        retention = _retention()
        for record in records:
            if record.retired_at is not None:  # drops out of the JWKS at this moment
                left = (record.retired_at + retention - now).total_seconds()
                until = min(until, clock + max(left, 0.0))
        entry = _Verification(
            KeySet([_public_key(r) for r in records]), frozenset(r.kid for r in records), until
        )
        if _may_cache():
            cache.verification[alg] = entry
    return entry.key_set


def signing_key(alg: str) -> tuple[str, object]:
    """The ``kid`` and private key that sign for ``alg`` now (:func:`current_key`), from
    this process's cache."""
    cache = _cache()
    entry = cache.signing.get(alg)
    clock = time.monotonic()
    if entry is None or clock >= entry.until:
        record = current_key(alg)
        entry = _Signing(record.kid, private_key(record), clock + _cache_seconds())
        if _may_cache():
            cache.signing[alg] = entry
    return entry.kid, entry.key


_TOUCHED = "ens_signing_keys_changed"


@event.listens_for(Session, "after_flush")
def _keys_flushed(session, flush_context):
    """A key changed in this session: forget the cache, and do not fill it again from this
    session until its transaction ends (the change may still be rolled back)."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, SigningKey) for obj in changed):
        session.info[_TOUCHED] = True
        forget_cached_keys()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session):
    if session.info.pop(_TOUCHED, False):
        forget_cached_keys()


def _may_cache() -> bool:
    return not db.session.info.get(_TOUCHED, False)
