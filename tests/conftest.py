"""Shared fixtures: the app on a migrated test database, a rolled-back transaction per
test, an HTTP client, and a live server for tests that drive real clients or browsers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import orm

from authz.keys import forget_cached_keys
from ens_core import create_app
from ens_core.db import db
from tests.db_setup import test_database
from tests.serving import serving


class _TestSession(orm.Session):
    """A plain session bound to the test connection (Flask-SQLAlchemy's own session
    would pick the engine and escape the rolled-back transaction)."""

    def __init__(self, db=None, **kwargs):
        super().__init__(**kwargs)


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production.

    Without this, a request made while a test holds an app context reuses it, and
    ``g`` (Flask-Login's current user, the chosen locale) leaks from one request to
    the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    with test_database(tmp_path_factory.mktemp("db"), worker_id) as url:
        yield url


def make_test_app(database_url: str, data_dir, **overrides):
    """An app on the test database, configured for tests (``overrides`` on top)."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "ENS_DATA_DIR": str(data_dir),
            "SERVER_NAME": None,
            "ENS_ARGON2_PROFILE": "CHEAPEST",
            **overrides,
        }
    )
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_test_app(database_url, tmp_path_factory.mktemp("data"))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Each test runs in a transaction rolled back at its end (commits become savepoints).

    Tests using ``live_server`` commit for real (the server runs in another thread) and
    the tables are emptied afterwards instead.
    """
    if "live_server" in request.fixturenames or request.node.get_closest_marker("own_database"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _TestSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            forget_cached_keys()  # keys the test created are gone with its transaction


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    with serving(app) as url:
        yield url
