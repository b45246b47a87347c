"""Configuration read from the environment, with safe defaults.

Every setting an operator may change is an ``ENS_*`` environment variable; the
``config`` mapping given to :func:`ens_core.create_app` overrides them (tests use it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_ISSUER = "http://127.0.0.1:5000"


class ConfigurationError(RuntimeError):
    """Raised when the app must not start with the configuration it was given."""


def _secret_key(instance_path: Path, production: bool) -> str:
    """The session-signing key: from the environment, else generated once into instance/.

    In production a missing key is an error: a key silently generated on one host would
    log users out at every deploy and differ between workers on several hosts.
    """
    key = os.environ.get("ENS_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigurationError("ENS_SECRET_KEY must be set when ENS_ENV=production.")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions before the key is written.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment and ``overrides``."""
    overrides = dict(overrides or {})
    instance = Path(instance_path)
    env = overrides.get("ENS_ENV", os.environ.get("ENS_ENV", "development"))
    production = env == "production"
    database_url = os.environ.get("ENS_DATABASE_URL") or f"sqlite:///{instance / 'ens.db'}"
    issuer = os.environ.get("ENS_ISSUER", DEFAULT_ISSUER).rstrip("/")
    config = {
        "ENS_ENV": env,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping: PostgreSQL connections are checked without a round trip
        # (ens_core.database._check_alive); a SQLite file never drops.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "ENS_ISSUER": issuer,
        "ENS_REDIS_URL": os.environ.get("ENS_REDIS_URL"),
        "ENS_SMTP_URL": os.environ.get("ENS_SMTP_URL"),
        "ENS_DATA_DIR": os.environ.get("ENS_DATA_DIR", str(instance / "data")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": issuer.startswith("https://"),
        "SESSION_COOKIE_NAME": "ens_session",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": 3600,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "ENS_LANGUAGES": ("fr", "en"),
        # Sessions end after this long without a request (citizens; other accounts), and
        # in any case this long after the login (see ens_core.accounts.sessions).
        "ENS_SESSION_IDLE_SECONDS": int(os.environ.get("ENS_SESSION_IDLE_SECONDS", "1800")),
        "ENS_SESSION_IDLE_SECONDS_STAFF": int(
            os.environ.get("ENS_SESSION_IDLE_SECONDS_STAFF", "3600")
        ),
        "ENS_SESSION_MAX_SECONDS": int(os.environ.get("ENS_SESSION_MAX_SECONDS", "43200")),
        # SQLite: how long a writer waits for the write lock before the answer is 503
        # with Retry-After (seconds; PostgreSQL waits for its row locks as always).
        "ENS_DB_LOCK_TIMEOUT": float(os.environ.get("ENS_DB_LOCK_TIMEOUT", "5")),
        # SQLite: past this size the write-ahead log is checkpointed and started over,
        # looked at every so many seconds per process (ens_core.wal).
        "ENS_SQLITE_WAL_LIMIT_MB": float(os.environ.get("ENS_SQLITE_WAL_LIMIT_MB", "16")),
        "ENS_SQLITE_WAL_CHECK_SECONDS": float(
            os.environ.get("ENS_SQLITE_WAL_CHECK_SECONDS", "0.1")
        ),
        "ENS_RETRY_AFTER_SECONDS": 1,
        # How many reverse proxies stand in front and append to X-Forwarded-For (0: none;
        # then the socket's address is the client's, as throttling needs).
        "ENS_PROXY_HOPS": int(os.environ.get("ENS_PROXY_HOPS", "0")),
        # Per-process caches of the API (DESIGN.md, "Caches and revocation") and how long
        # the token tables keep what ended (``ens authz purge``).
        "ENS_KEY_CACHE_SECONDS": float(os.environ.get("ENS_KEY_CACHE_SECONDS", "30")),
        "ENS_TOKEN_CACHE_SIZE": int(os.environ.get("ENS_TOKEN_CACHE_SIZE", "10000")),
        "ENS_AUTHZ_RETENTION_DAYS": int(os.environ.get("ENS_AUTHZ_RETENTION_DAYS", "30")),
        # The FHIR API's express lane for ordinary Observation reads and searches
        # (DESIGN.md, "The express lane"); 0 sends every call through Flask.
        "ENS_FHIR_EXPRESS": os.environ.get("ENS_FHIR_EXPRESS", "1") != "0",
    }
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance, production)
    return config
