"""Throttling that slows attackers down without locking the owner out (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ens_core import throttle
from ens_core.accounts.services import authenticate
from ens_core.db import db, utcnow
from ens_core.throttle import ThrottleCounter
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user
from tests.helpers import login
from tests.serving import empty_all_tables


def test_backoff_doubles_after_the_free_failures_up_to_the_cap():
    rule = throttle.Rule("t", free=3, base=2, cap=60, forget=600)
    assert [rule.delay(n) for n in range(1, 10)] == [0, 0, 0, 2, 4, 8, 16, 32, 60]


def test_one_address_tries_at_most_about_twenty_passwords_a_minute(app_ctx, backend):
    ip = "198.51.100.7"
    start = at = utcnow()
    checked = 0
    n = 0
    while at - start < timedelta(minutes=1):
        n += 1
        before = throttle.wait([(throttle.LOGIN_ADDRESS, ip)], now=at)
        if before:
            at += timedelta(seconds=before.retry_after)  # obeys Retry-After exactly
            continue
        authenticate(f"victim{n}@test.ens", "guess", ip=ip, now=at)
        checked += 1
    assert 10 < checked <= 20
    # Another address is not slowed by this one.
    assert not throttle.wait([(throttle.LOGIN_ADDRESS, "203.0.113.9")], now=at)


def test_failures_on_one_account_slow_it_down_and_a_success_forgets_them(app_ctx, backend):
    user = make_user()
    now = utcnow()
    for i in range(5):  # the free failures, each from another address
        assert not authenticate(user.email, "wrong", ip=f"10.0.0.{i}", now=now).wait
    slowed = authenticate(user.email, "wrong", ip="10.0.0.99", now=now)
    assert slowed.wait.rule is throttle.LOGIN_ACCOUNT
    # While it must wait, even the right password is not checked…
    refused = authenticate(user.email, PASSWORD, ip="10.0.1.1", now=now + timedelta(seconds=1))
    assert refused.user is None and refused.wait
    # …and once the wait is over, it is, and the account's count starts again.
    later = now + timedelta(seconds=slowed.wait.retry_after)
    assert authenticate(user.email, PASSWORD, ip="10.0.1.1", now=later).user == user
    assert not authenticate(user.email, "wrong", ip="10.0.1.1", now=later).wait


def test_unknown_and_known_accounts_are_slowed_down_alike(app_ctx, backend):
    user = make_user()
    now = utcnow()
    waits = []
    for email in (user.email, "nobody@test.ens"):
        for i in range(7):
            result = authenticate(email, "wrong", ip=f"10.1.0.{i}", now=now + timedelta(i * 60))
        waits.append((result.wait.rule, result.wait.seconds))
    assert waits[0] == waits[1]


def test_counts_are_forgotten_after_a_quiet_period(app_ctx, backend):
    user = make_user()
    now = utcnow()
    for i in range(8):
        authenticate(user.email, "wrong", ip="10.2.0.1", now=now + timedelta(seconds=i * 300))
    much_later = now + timedelta(hours=3)
    assert authenticate(user.email, "wrong", ip="10.2.0.1", now=much_later).wait.seconds == 0


def test_http_login_answers_429_with_retry_after_and_offers_the_sign_in_link(
    client, app_ctx, backend
):
    user = make_user()
    for _ in range(5):
        assert login(client, user.email, "wrong-password").status_code == 401
    response = login(client, user.email, "wrong-password")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    page = response.get_data(as_text=True)
    assert "Trop de tentatives pour ce compte" in page
    assert "/connexion/lien?email=" in page
    assert login(client, user.email, PASSWORD).status_code == 429  # not even checked


def test_database_counters_survive_the_refused_request(client, app_ctx):
    user = make_user()
    login(client, user.email, "wrong-password")  # answered 401: the request rolls back
    counters = db.session.scalar(select(func.count()).select_from(ThrottleCounter))
    assert counters == 2  # the address and the account
    stored = set(db.session.scalars(select(ThrottleCounter.key)))
    assert user.email not in " ".join(stored)  # digests only


def test_purge_deletes_old_database_counters(app_ctx):
    now = utcnow()
    throttle.fail([(throttle.LOGIN_ADDRESS, "10.9.9.9")], now=now - timedelta(days=2))
    throttle.fail([(throttle.LOGIN_ADDRESS, "10.9.9.8")], now=now)
    assert throttle.purge(now=now) == 1
    assert db.session.scalar(select(func.count()).select_from(ThrottleCounter)) == 1


@pytest.mark.own_database
def test_behind_a_proxy_each_client_address_has_its_own_count(database_url, tmp_path):
    proxied = make_test_app(database_url, tmp_path, ENS_PROXY_HOPS=1)
    try:
        statuses = {}
        for forwarded in ("203.0.113.1", "203.0.113.2"):
            browser = proxied.test_client()
            browser.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
            statuses[forwarded] = [
                login(browser, f"nobody{i}@test.ens", "guess").status_code for i in range(12)
            ]
        # Each address gets its 10 free failures; the 11th slows that address only.
        assert statuses["203.0.113.1"] == statuses["203.0.113.2"] == [401] * 10 + [429] * 2
    finally:
        empty_all_tables(proxied)
        with proxied.app_context():
            db.engine.dispose()
