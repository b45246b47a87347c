"""Bounded token tables: ``ens authz purge`` (also run by the daily sweep) deletes what
ended before the retention window and keeps what is live or recent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from authz import tokens
from authz.consent import record_consent
from authz.models import AuthorizationCode, ClientAssertion, Token
from authz.purge import purge_authorizations
from authz.services import revoke_grant
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.security import hash_secret
from tests.authz.support import client_for
from tests.factories import make_service, make_user

SCOPES = ["patient/Observation.rs", "offline_access"]


def _consent():
    citizen, service = make_user(Role.CITIZEN), make_service()
    client = client_for(service, sandbox=False, scopes=SCOPES)
    grant, _ = record_consent(citizen, service, client, SCOPES)
    return grant, client


def _code(grant, client, created):
    code = AuthorizationCode(
        code_hash=hash_secret(f"code-{created.timestamp()}-{grant.id}"),
        client_id=client.id,
        grant_id=grant.id,
        redirect_uri="http://127.0.0.1:8765/callback",
        scope=" ".join(SCOPES),
        code_challenge="x" * 43,
        code_challenge_method="S256",
        created_at=created,
        expires_at=created + timedelta(seconds=60),
        used_at=created + timedelta(seconds=5),
    )
    db.session.add(code)
    db.session.flush()
    return code


def _issue(grant, client, at, *, parent=None, code=None, refresh=True):
    issued = tokens.issue_tokens(
        grant, client, SCOPES, parent=parent, code=code, include_refresh=refresh, now=at
    )
    return issued.record


def _ids(model):
    return set(db.session.scalars(select(model.id)))


def test_purge_keeps_the_live_and_the_recent_and_deletes_the_rest(app_ctx):
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    grant, client = _consent()
    used_code = _code(grant, client, old)
    forgotten_code = _code(grant, client, old - timedelta(hours=1))
    rotated = _issue(grant, client, old, code=used_code)
    rotated.refresh_used_at = old + timedelta(minutes=30)
    live = _issue(grant, client, old + timedelta(minutes=30), parent=rotated)
    access_only = _issue(grant, client, old, refresh=False)
    recently_rotated = _issue(grant, client, recent)
    recently_rotated.refresh_used_at = recent + timedelta(minutes=5)
    db.session.add_all(
        [
            ClientAssertion(client_id=client.id, jti="expired", expires_at=now - timedelta(1)),
            ClientAssertion(client_id=client.id, jti="valid", expires_at=now + timedelta(1)),
        ]
    )
    db.session.flush()

    purged = purge_authorizations(now=now)

    assert (purged.tokens, purged.codes, purged.assertions) == (2, 1, 1)
    remaining = _ids(Token)
    assert {live.id, recently_rotated.id} <= remaining
    assert not {rotated.id, access_only.id} & remaining
    # The live token's code is kept (its family came from it); the unused old one is gone.
    assert _ids(AuthorizationCode) >= {used_code.id}
    assert forgotten_code.id not in _ids(AuthorizationCode)
    db.session.expire_all()
    assert db.session.get(Token, live.id).parent_id is None
    assert db.session.get(Token, live.id).code_id == used_code.id
    assert set(db.session.scalars(select(ClientAssertion.jti))) == {"valid"}


def test_a_family_revoked_long_ago_goes_entirely(app_ctx):
    now = utcnow()
    old = now - timedelta(days=40)
    grant, client = _consent()
    first = _issue(grant, client, old)
    first.refresh_used_at = old + timedelta(minutes=1)
    _issue(grant, client, old + timedelta(minutes=1), parent=first)
    revoke_grant(grant, reason="citizen", now=old + timedelta(minutes=2))
    db.session.flush()
    assert purge_authorizations(now=now).tokens == 2
    assert db.session.scalar(select(func.count()).where(Token.grant_id == grant.id)) == 0


def test_retention_window_is_respected(app_ctx):
    now = utcnow()
    grant, client = _consent()
    token = _issue(grant, client, now - timedelta(days=10), refresh=False)
    assert purge_authorizations(now=now).tokens == 0
    assert purge_authorizations(now=now, keep=timedelta(days=5)).tokens == 1
    assert token.id not in _ids(Token)


def test_cli_purge_and_the_daily_sweep(app):
    runner = app.test_cli_runner()
    with app.app_context():
        grant, client = _consent()
        _issue(grant, client, utcnow() - timedelta(days=40), refresh=False)
        result = runner.invoke(args=["authz", "purge"])
        assert result.exit_code == 0, result.output
        assert "1 dead token(s)" in result.output
        _issue(grant, client, utcnow() - timedelta(days=3), refresh=False)
        result = runner.invoke(args=["authz", "purge", "--retention-days", "1"])
        assert "1 dead token(s)" in result.output
        _issue(grant, client, utcnow() - timedelta(days=40), refresh=False)
        result = runner.invoke(args=["sovereignty", "sweep"])
        assert result.exit_code == 0, result.output
        assert "Purged: 1 dead token(s)" in result.output
