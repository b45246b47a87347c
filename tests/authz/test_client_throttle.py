"""Failed client authentication at the token endpoint slows down, on both backends:
429 + Retry-After and an OAuth JSON error, exponentially; the right secret still works."""

from __future__ import annotations

from tests.authz.flow import basic
from tests.throttle_backends import backend  # noqa: F401 - both throttle backends

REFRESH = {"grant_type": "refresh_token", "refresh_token": "not-a-token"}


def _token(http, client_id, secret, ip="198.51.100.20"):
    return http.post(
        "/oauth/token",
        data=REFRESH,
        headers=basic(client_id, secret),
        environ_base={"REMOTE_ADDR": ip},
    )


def test_wrong_client_secrets_are_slowed_down(client, confidential, backend):  # noqa: F811
    oauth_client, secret = confidential
    statuses = [_token(client, oauth_client.client_id, "wrong").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    refused = _token(client, oauth_client.client_id, "wrong")
    assert refused.get_json()["error"] == "temporarily_unavailable"
    assert int(refused.headers["Retry-After"]) >= 4  # 1 s, 2 s, 4 s…
    assert refused.headers["Cache-Control"] == "no-store"
    # The client's own secret is not slowed (it cannot be guessed): a bad refresh token is
    # answered as usual.
    right = _token(client, oauth_client.client_id, secret)
    assert right.status_code == 400
    assert right.get_json()["error"] == "invalid_grant"
    # Another address, another client id: not slowed by this one.
    assert _token(client, "someone-else", "wrong", ip="198.51.100.21").status_code == 401


def test_one_client_id_is_slowed_down_across_addresses(client, confidential, backend):  # noqa: F811
    oauth_client, _ = confidential
    statuses = [
        _token(client, oauth_client.client_id, "wrong", ip=f"203.0.113.{i}").status_code
        for i in range(22)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]
