"""Password reset and sign-in links by e-mail: single use, short-lived, hashed at rest,
answers that reveal no account, throttled; the owner's way in while her account is slowed."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ens_core.accounts.models import AccountToken, Role
from ens_core.db import db, utcnow
from tests.factories import PASSWORD, make_user
from tests.helpers import login, submit

NEW_PASSWORD = "un-tout-nouveau-mot-de-passe-2026"
SENT = "Si un compte existe avec cette adresse"


@pytest.fixture
def mails(caplog):
    """The e-mails printed to the log (no ENS_SMTP_URL in development and tests)."""
    caplog.set_level(logging.INFO, logger="ens.notifications")

    def sent():
        return [r.getMessage() for r in caplog.records if r.name == "ens.notifications"]

    return sent


def _link(mails, path: str) -> str:
    pattern = r"http://127\.0\.0\.1:5000(" + re.escape(path) + r"[A-Za-z0-9_\-]+)"
    found = re.findall(pattern, "\n".join(mails()))
    assert found, mails()
    return found[-1]


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(client, app_ctx, mails):
    user = make_user(Role.CITIZEN)
    known = submit(client, "/mot-de-passe-oublie", {"email": user.email})
    unknown = submit(client, "/mot-de-passe-oublie", {"email": "nobody@test.ens"})
    assert known.status_code == unknown.status_code == 302
    assert SENT in client.get(known.headers["Location"]).get_data(as_text=True)
    assert len(mails()) == 1 and f"to={user.email}" in mails()[0]


def test_reset_link_sets_a_new_password_once_and_ends_sessions(app, client, app_ctx, mails):
    user = make_user(Role.CITIZEN)
    other_browser = app.test_client()
    login(other_browser, user.email, PASSWORD)
    evil = {"Host": "evil.example"}
    page = client.get("/mot-de-passe-oublie", headers=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/mot-de-passe-oublie", data={"email": user.email, "csrf_token": token}, headers=evil
    )
    link = _link(mails, "/mot-de-passe/nouveau/")  # built on ENS_ISSUER, not on Host
    stored = db.session.scalar(select(AccountToken.token_hash))
    assert stored not in link and link.rsplit("/", 1)[1] not in stored

    weak = submit(client, link, {"password": "court", "password_confirm": "court"})
    assert weak.status_code == 400
    done = submit(client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert login(client, user.email, PASSWORD).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 302
    assert other_browser.get("/mon-compte").status_code == 302  # logged out everywhere
    again = client.get(link)
    assert again.status_code == 400
    assert "Ce lien ne fonctionne plus" in again.get_data(as_text=True)


def test_reset_link_expires_after_one_hour(client, app_ctx, mails):
    user = make_user(Role.CITIZEN)
    submit(client, "/mot-de-passe-oublie", {"email": user.email})
    link = _link(mails, "/mot-de-passe/nouveau/")
    assert client.get(link).status_code == 200
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get(link).status_code == 400


def test_reset_requests_are_throttled(client, app_ctx, mails):
    user = make_user(Role.CITIZEN)
    for _ in range(3):
        assert submit(client, "/mot-de-passe-oublie", {"email": user.email}).status_code == 302
    response = submit(client, "/mot-de-passe-oublie", {"email": user.email})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Trop de demandes" in response.get_data(as_text=True)
    assert len(mails()) == 3


def test_the_owner_gets_in_with_a_sign_in_link_while_an_attacker_keeps_her_account_slowed(
    app, client, app_ctx, mails, backend
):
    owner = make_user(Role.CITIZEN)
    attacker = app.test_client()
    for i in range(12):  # from several addresses: only the account's counter matters here
        attacker.environ_base["REMOTE_ADDR"] = f"192.0.2.{i}"
        login(attacker, owner.email, "guess")
    assert login(client, owner.email, PASSWORD).status_code == 429

    submit(client, "/connexion/lien", {"email": owner.email})
    link = _link(mails, "/connexion/lien/")
    confirm = client.get(link)  # a mail scanner opening the link uses nothing up
    assert confirm.status_code == 200 and "Me connecter" in confirm.get_data(as_text=True)
    assert submit(client, link, {}).status_code == 302
    assert client.get("/espace").status_code == 200
    assert submit(client, link, {}, form_url="/mon-compte").status_code == 400  # single use
    # The account's throttle is forgotten: her password works again on another device.
    assert login(app.test_client(), owner.email, PASSWORD).status_code == 302


def test_a_link_sent_twice_at_the_same_instant_signs_in_once(app, live_server, monkeypatch):
    """Both requests pass the "is it still unused?" check (held by a barrier); the claim of
    the row decides (on PostgreSQL the second waits for the first's row lock)."""
    import contextlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from ens_core.accounts import links
    from ens_core.accounts.models import TokenPurpose
    from ens_core.security import hash_secret

    secret = "s" * 43
    with app.app_context():
        owner = make_user(Role.CITIZEN)
        db.session.add(
            AccountToken(
                user_id=owner.id,
                purpose=TokenPurpose.SIGN_IN,
                token_hash=hash_secret(secret),
                expires_at=utcnow() + timedelta(minutes=15),
            )
        )
        db.session.commit()
    barrier = threading.Barrier(2, timeout=2)
    check = links.valid_link

    def held(*args, **kwargs):
        record = check(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return record

    url = f"{live_server}/connexion/lien/{secret}"
    browsers = [requests.Session(), requests.Session()]
    tokens = [
        re.search(r'name="csrf_token" value="([^"]+)"', b.get(url).text).group(1) for b in browsers
    ]
    monkeypatch.setattr(links, "valid_link", held)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(
                lambda pair: pair[0].post(url, data={"csrf_token": pair[1]}, allow_redirects=False),
                zip(browsers, tokens, strict=True),
            )
        )
    for browser in browsers:
        browser.close()
    assert sorted(a.status_code for a in answers) == [302, 400]
