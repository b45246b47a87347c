"""Notification preferences decide the centre and the e-mail; mails leave after commit."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from authz.models import Grant
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.notifications.models import Notification
from ens_core.notifications.services import notify, set_preference
from tests.authz.support import fhir_token
from tests.factories import make_service, make_user


def test_email_is_sent_after_commit_only_when_chosen(app_ctx, caplog):
    caplog.set_level(logging.INFO, logger="ens.notifications")
    camille = make_user(Role.CITIZEN, email="camille.mail@test.ens")
    set_preference(camille, "first_write", in_app=False, email=True)
    assert notify(camille, "first_write", "Premier envoi") is None
    assert "Premier envoi" not in caplog.text
    db.session.commit()
    assert "to=camille.mail@test.ens subject=Premier envoi" in caplog.text
    assert not db.session.scalars(
        select(Notification).where(
            Notification.user_id == camille.id, Notification.read_at.is_(None)
        )
    ).all()


def test_notify_expiring_command(app):
    runner = app.test_cli_runner()
    with app.app_context():
        camille = make_user(Role.CITIZEN)
        fhir_token(camille, make_service(name="MédiRappel"), "patient/Observation.rs")
        grant = db.session.scalar(select(Grant).where(Grant.citizen_id == camille.id))
        grant.expires_at = utcnow() + timedelta(days=5)
        db.session.commit()
        result = runner.invoke(args=["health", "notify-expiring"])
        assert result.exit_code == 0 and "1 notification(s) sent." in result.output
        again = runner.invoke(args=["health", "notify-expiring"])
        assert "0 notification(s) sent." in again.output
