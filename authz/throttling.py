"""Failed client authentication at /oauth/token, /oauth/revoke and /oauth/introspect is
throttled per address and per client id (``ens_core.throttle.CLIENT_*``).

Only failures cost anything: one Redis script call (or one upsert per key in the
database) when a client fails to authenticate, nothing on success. A caller past its free
failures gets ``429`` with ``Retry-After`` and an OAuth JSON error instead of ``401``,
growing exponentially while it keeps failing. A client presenting its right credentials is
not slowed: a secret of 256 random bits or a signed assertion cannot be guessed, so the
throttle is there to make hammering expensive, not to keep a legitimate client out.
"""

from __future__ import annotations

from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from flask import request as http_request

from ens_core import throttle


class ClientThrottled(OAuth2Error):
    error = "temporarily_unavailable"
    status_code = 429

    def __init__(self, wait: throttle.Wait):
        super().__init__(
            description=(
                f"Too many failed client authentications: retry in {wait.retry_after} seconds."
            )
        )
        self.retry_after = wait.retry_after

    def get_headers(self):
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


def _client_id(request) -> str:
    client_id, _ = extract_basic_authorization(request.headers)
    if not client_id:
        payload = getattr(request, "payload", None)
        data = getattr(payload, "data", None) or {}
        client_id = data.get("client_id") or ""
    return str(client_id)[:200]


def count_failure(request) -> None:
    """Count a failed client authentication; raise :class:`ClientThrottled` when the
    caller must now wait."""
    keys = [
        (throttle.CLIENT_ADDRESS, http_request.remote_addr or "unknown"),
        (throttle.CLIENT_ID, _client_id(request) or "-"),
    ]
    wait = throttle.fail(keys)
    if wait:
        raise ClientThrottled(wait)
