"""CORS, as SMART on FHIR expects it: a browser app on another origin (a public client
using PKCE, the most common kind of SMART app) may call the token and revocation
endpoints, discovery and keys, and the FHIR API — from the origins of the redirect URIs
its client registered, and only those.

* Which paths (:data:`RULES`): the token, revocation and userinfo endpoints, introspection
  (origins of *confidential* clients only), ``/.well-known/*``, ``/oauth/jwks``,
  ``/fhir/metadata`` and the FHIR API. The authorize endpoint and every page are
  top-level navigations: no CORS.
* **Preflight** (``OPTIONS`` with ``Access-Control-Request-Method``): answered here, 204
  with the methods and headers allowed and a max-age; 403 for an origin nobody registered.
* **Actual requests**: ``Access-Control-Allow-Origin`` echoes the exact origin (never
  ``*``, never credentials: bearer tokens need no cookies) and ``Vary: Origin`` is always
  set on these paths, so a cache never serves one origin's answer to another.

Which origins are registered is known to the authorization server, a package above this
one: it provides :data:`ORIGINS` (kept cheap — a per-process cache — see
``authz.origins``). A request without ``Origin``, or from this site itself, costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from ens_core.providers import Slot

DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, If-Match, If-None-Match, Prefer"
EXPOSED_HEADERS = "Location, ETag, Content-Location, WWW-Authenticate, Retry-After"
MAX_AGE = "600"


@runtime_checkable
class RegisteredOrigins(Protocol):
    def allows(self, origin: str, *, confidential_only: bool = False) -> bool:
        """Whether a client registered a redirect URI on ``origin`` (a confidential client
        when ``confidential_only``)."""


ORIGINS = Slot("origins of registered clients", RegisteredOrigins)


@dataclass(frozen=True)
class Rule:
    methods: str
    confidential_only: bool = False


# (path or prefix ending with "/", rule), first match wins.
RULES = (
    ("/oauth/token", Rule("POST")),
    ("/oauth/revoke", Rule("POST")),
    ("/oauth/introspect", Rule("POST", confidential_only=True)),
    ("/oauth/userinfo", Rule("GET, POST")),
    ("/oauth/jwks", Rule("GET")),
    ("/.well-known/", Rule("GET")),
    ("/fhir/.well-known/", Rule("GET")),
    ("/fhir/metadata", Rule("GET")),
    ("/fhir/", Rule("GET, POST, PUT")),
    ("/fhir", Rule("POST")),
)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url`` in the form browsers send (lower case, no
    default port), or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and port != DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def rule_for(path: str) -> Rule | None:
    for prefix, rule in RULES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return rule
    return None


def _allowed_origin(rule: Rule) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or origin == "null" or origin == _own_origin():
        return None
    normalised = origin_of(origin)
    if normalised is None or normalised != origin:  # browsers send it normalised
        return None
    if ORIGINS.get().allows(normalised, confidential_only=rule.confidential_only):
        return origin
    return None


def _own_origin() -> str | None:
    return origin_of(current_app.config["ENS_ISSUER"])


def preflight():
    """Answer a CORS preflight on a CORS path (before any view or check runs)."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    rule = rule_for(request.path)
    if rule is None:
        return None
    origin = _allowed_origin(rule)
    response = current_app.response_class(status=204 if origin else 403)
    response.headers["Vary"] = "Origin"
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = rule.methods
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    return response


def add_headers(response):
    """``Access-Control-Allow-Origin`` on the answers of CORS paths to registered origins."""
    rule = rule_for(request.path)
    if rule is None or request.method == "OPTIONS":
        return response
    response.vary.add("Origin")
    origin = _allowed_origin(rule)
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def init_app(app: Flask) -> None:
    app.before_request(preflight)
    app.after_request(add_headers)
