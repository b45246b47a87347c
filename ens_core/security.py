"""Secrets at rest, constant-time comparison and the security headers of every response."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, current_app, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


def new_secret(nbytes: int = 32) -> str:
    """A long random value (client secret, code, refresh token, invitation link)."""
    return secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> str:
    """SHA-256 hex digest of a long random secret.

    The value has 256 bits of entropy, so a password KDF would only slow the token
    endpoint down (see DESIGN.md, "Secrets at rest").
    """
    return hashlib.sha256(value.encode()).hexdigest()


def secret_matches(value: str | None, stored_hash: str | None) -> bool:
    """Constant-time check of ``value`` against a stored :func:`hash_secret` digest."""
    if not value or not stored_hash:
        return False
    return hmac.compare_digest(hash_secret(value), stored_hash)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _set_security_headers(response):
    """Each header unless the view set its own (one pass over the response's headers:
    this runs on every answer, API calls included)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers, not a dict
    wanted = (*SECURITY_HEADERS, HSTS) if request.is_secure else SECURITY_HEADERS
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def carries_personal_data() -> bool:
    """Whether this request is made by someone: a signed-in session (Flask-Login's key in
    the cookie) or a bearer token. Its answer is then personal, whatever the page."""
    if request.endpoint == "static" or (request.endpoint or "").endswith(".static"):
        return False
    if "Authorization" in request.headers:
        return True
    # Without a session cookie there is no one to look for (and the session stays untouched:
    # no "Vary: Cookie" on the answers of the API).
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies and "_user_id" in session


def _no_store_when_personal(response):
    """Nothing personal in a browser's or a proxy's cache: every answer to a signed-in
    session or a bearer token is ``no-store`` (a health page, a FHIR read, a download)."""
    if carries_personal_data() and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")
    return response


def trust_proxies(app: Flask) -> None:
    """Call last in the factory: the outermost WSGI layer, so that every layer inside it
    (the FHIR API's express lane, Flask) sees the client's address."""
    hops = app.config.get("ENS_PROXY_HOPS", 0)
    if hops:
        # Behind reverse proxies, the client's address (throttling, access logs) is the one
        # they add to X-Forwarded-For; the Host header is never trusted (links use ENS_ISSUER).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


def init_app(app: Flask) -> None:
    app.after_request(_set_security_headers)
    app.after_request(_no_store_when_personal)
