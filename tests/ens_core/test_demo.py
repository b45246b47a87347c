from sqlalchemy import func, select

from ens_core.db import db
from ens_core.demo import load_demo
from tests.helpers import login

DEMO = [
    ("camille@demo.ens", "camille-demo-2026", "/espace"),
    ("karim@demo.ens", "karim-demo-2026", "/espace"),
    ("editeur@demo.ens", "editeur-demo-2026", "/editeur"),
    ("agent@demo.ens", "agent-demo-2026", "/agent"),
    ("membre1@demo.ens", "membre-demo-2026", "/commission"),
    ("membre9@demo.ens", "membre-demo-2026", "/commission"),
]


def _row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_load_is_idempotent(app_ctx):
    load_demo()
    first = _row_counts()
    load_demo()
    assert _row_counts() == first
    assert first["users"] >= 13


def test_every_demo_account_logs_in_and_sees_its_home(app, app_ctx):
    load_demo()
    for email, password, portal in DEMO:
        client = app.test_client()
        response = login(client, email, password)
        assert response.status_code == 302, email
        assert client.get(portal).status_code == 200, (email, portal)
