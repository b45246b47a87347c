"""Signing keys: ES256 for access tokens, RS256 and ES256 for ID tokens.

Keys live in the database so that every worker signs with the same key and the JWKS is
the same everywhere. The private half is encrypted with a Fernet key derived from
``ENS_KEY_ENCRYPTION_KEY`` (or, failing that, the app's ``SECRET_KEY``); it is never
logged or rendered. Rotation (``ens keys rotate``) retires the current keys: they stop
signing at once but stay published in ``/oauth/jwks`` for ``ENS_KEY_RETENTION_SECONDS``
(default one hour, longer than any token they signed), so tokens already issued keep
verifying.
"""

from __future__ import annotations

import base64
import threading
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import or_, select

from authz.models import SigningKey
from ens_core.db import db, utcnow

ACCESS_TOKEN_ALG = "ES256"  # noqa: S105 (an algorithm name)
ID_TOKEN_ALGS = ("RS256", "ES256")
ALGORITHMS = ("ES256", "RS256")
DEFAULT_RETENTION_SECONDS = 3600

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


def verification_keys(alg: str, now=None) -> KeySet:
    """Published public keys for ``alg``, as a joserfc KeySet (chosen by ``kid``)."""
    keys = []
    for record in published_keys(now):
        if record.alg != alg:
            continue
        with _cache_lock:
            key = _public_cache.get(record.kid)
        if key is None:
            cls = ECKey if alg == "ES256" else RSAKey
            key = cls.import_key(dict(record.public_jwk))
            with _cache_lock:
                _public_cache[record.kid] = key
        keys.append(key)
    return KeySet(keys)
