"""Server-side sessions: logout ends them for good, inactivity and age end them, and the
account page lists them with a way to end each one or all."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from ens_core.accounts.models import Role, UserSession
from ens_core.accounts.services import change_password
from ens_core.db import db, utcnow
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, login, submit

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _browser(app, user_agent: str = FIREFOX):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def _cookie(client) -> str:
    return client.get_cookie("ens_session").value


def _replay(app, cookie: str):
    """Another client with the same cookie and User-Agent (as an attacker would copy)."""
    other = _browser(app)
    other.set_cookie("ens_session", cookie)
    return other


def test_a_cookie_saved_before_logout_is_refused_afterwards(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    saved = _cookie(browser)
    assert _replay(app, saved).get("/espace").status_code == 200
    submit(browser, "/logout", {}, form_url="/mon-compte")
    replay = _replay(app, saved).get("/espace")
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]


def test_citizen_sessions_end_after_thirty_idle_minutes(app, app_ctx):
    citizen, editor = make_user(Role.CITIZEN), make_user(Role.EDITOR)
    browsers = {}
    for user in (citizen, editor):
        browsers[user.id] = _browser(app)
        login(browsers[user.id], user.email, PASSWORD)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert browsers[citizen.id].get("/mon-compte").status_code == 302
    # Other accounts have their own setting (ENS_SESSION_IDLE_SECONDS_STAFF, 1 hour).
    assert browsers[editor.id].get("/mon-compte").status_code == 200
    ended = db.session.scalar(select(UserSession).where(UserSession.user_id == citizen.id))
    assert ended.ended_at is not None  # for good, even if the clock were set back


def test_idle_limit_is_configurable(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=10)))
    app.config["ENS_SESSION_IDLE_SECONDS"] = 5 * 60
    try:
        assert browser.get("/mon-compte").status_code == 302
    finally:
        app.config["ENS_SESSION_IDLE_SECONDS"] = 1800


def test_sessions_end_twelve_hours_after_login_even_when_active(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    db.session.execute(
        update(UserSession).values(
            created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow()
        )
    )
    assert browser.get("/mon-compte").status_code == 302


def test_activity_is_noted_at_most_once_a_minute(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    earlier = utcnow() - timedelta(minutes=20)
    db.session.execute(update(UserSession).values(last_seen_at=earlier))
    browser.get("/mon-compte")
    record = db.session.scalar(select(UserSession))
    db.session.refresh(record)
    assert record.last_seen_at > earlier + timedelta(minutes=19)


def test_account_page_lists_sessions_and_ends_one_or_all(app, app_ctx):
    user = make_user(Role.CITIZEN)
    laptop, phone = _browser(app, FIREFOX), _browser(app, IPHONE)
    login(laptop, user.email, PASSWORD)
    login(phone, user.email, PASSWORD)
    seen = utcnow() - timedelta(minutes=5)
    db.session.execute(update(UserSession).values(last_seen_at=seen))
    page = laptop.get("/mon-compte").get_data(as_text=True)
    assert "Firefox / Linux" in page and "Safari / iOS" in page
    assert page.count("cette session") == 1
    assert seen.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") in page
    assert "Se déconnecter partout" in page
    assert laptop.get("/mon-compte").headers["Cache-Control"] == "no-store"

    phone_session = db.session.scalar(
        select(UserSession.id).where(UserSession.user_agent == IPHONE)
    )
    response = submit(
        laptop, f"/mon-compte/sessions/{phone_session}/terminer", {}, form_url="/mon-compte"
    )
    assert response.status_code == 302
    assert phone.get("/mon-compte").status_code == 302
    assert laptop.get("/mon-compte").status_code == 200

    login(phone, user.email, PASSWORD)
    submit(laptop, "/mon-compte/sessions/terminer-tout", {}, form_url="/mon-compte")
    assert phone.get("/mon-compte").status_code == 302
    assert laptop.get("/mon-compte").status_code == 302


def test_no_one_ends_another_persons_session(app, app_ctx):
    owner, intruder = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    owner_browser, intruder_browser = _browser(app), _browser(app)
    login(owner_browser, owner.email, PASSWORD)
    login(intruder_browser, intruder.email, PASSWORD)
    target = db.session.scalar(select(UserSession.id).where(UserSession.user_id == owner.id))
    intruder_browser.post(
        f"/mon-compte/sessions/{target}/terminer",
        data={"csrf_token": csrf_token(intruder_browser, "/mon-compte")},
    )
    assert owner_browser.get("/mon-compte").status_code == 200


def test_a_new_password_ends_every_session(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    change_password(user, "another-long-passphrase")
    assert browser.get("/mon-compte").status_code == 302
    assert db.session.scalar(select(UserSession.ended_at)) is not None


@pytest.mark.parametrize("command", [["users", "purge"], ["sovereignty", "sweep"]])
def test_purge_command_deletes_old_sessions_links_and_counters(app, app_ctx, command):
    """``ens users purge``, and the daily sweep that runs it."""
    from ens_core import throttle

    user = make_user(Role.CITIZEN)
    old = utcnow() - timedelta(days=40)
    db.session.add_all(
        [
            UserSession(
                user_id=user.id, token_hash="a" * 64, created_at=old, last_seen_at=old, ended_at=old
            ),
            UserSession(user_id=user.id, token_hash="b" * 64),
        ]
    )
    throttle.fail([(throttle.LOGIN_ADDRESS, "10.0.0.1")], now=old)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "1 throttle counters, 1 sessions" in result.output
    assert db.session.scalar(select(UserSession.token_hash)) == "b" * 64


def test_a_session_id_beyond_the_column_is_not_found(app, app_ctx):
    user = make_user(Role.CITIZEN)
    browser = _browser(app)
    login(browser, user.email, PASSWORD)
    response = submit(
        browser, "/mon-compte/sessions/99999999999999999999/terminer", {}, form_url="/mon-compte"
    )
    assert response.status_code == 404
