"""The demo commission: what membre1, membre8 and the agent see after ``ens demo load``."""

from sqlalchemy import select

from ens_core.db import db
from ens_core.demo import load_demo
from review.commission import services
from review.commission.models import CommissionSession, ConflictStatus
from review.dossiers.models import DossierState
from tests.helpers import signed_in

PAST_TITLE = "Séance plénière de référencement n° 11"
UPCOMING_TITLE = "Séance plénière de référencement n° 12"


def _session(title):
    return db.session.scalar(select(CommissionSession).where(CommissionSession.title == title))


def test_demo_members_sessions_and_conflict(app, app_ctx):
    load_demo()
    members = {m.user.email: m for m in services.all_members()}
    assert {f"membre{n}@demo.ens" for n in range(1, 10)} <= set(members)
    assert (
        services.member_of(members["membre9@demo.ens"].user).mandate_on(
            _session(UPCOMING_TITLE).held_on
        )
        is None
    )
    assert [m.consecutive_number for m in members["membre2@demo.ens"].mandates] == [1, 2]
    past, upcoming = _session(PAST_TITLE), _session(UPCOMING_TITLE)
    assert all(i.opinion is not None for i in past.items)
    assert {i.dossier.state for i in upcoming.items} == {DossierState.SCHEDULED}
    assert len(upcoming.items) == 3
    conflicts = [c for i in upcoming.items for c in i.conflicts]
    assert [(c.member.user.email, c.status) for c in conflicts] == [
        ("membre1@demo.ens", ConflictStatus.POTENTIAL)
    ]


def _demo_member(app, n: int):
    """A test client signed in as the demo commission's membre``n``."""
    return signed_in(app, f"membre{n}@demo.ens", "membre-demo-2026")


def _assert_pages_render(client, paths):
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_demo_pages_render_for_each_actor(app, app_ctx):
    load_demo()
    past, upcoming = _session(PAST_TITLE), _session(UPCOMING_TITLE)
    member1 = services.member_of(services.all_members()[0].user)
    chair_paths = [
        "/commission",
        "/commission/historique",
        "/commission/declaration",
        "/commission/seances",
        f"/commission/seances/{upcoming.id}",
        f"/commission/points/{upcoming.items[0].id}",
        "/commission/membres",
        f"/commission/membres/{member1.id}/declaration",
    ]
    _assert_pages_render(_demo_member(app, 1), chair_paths)
    co_chair = _demo_member(app, 2)
    conflicts = co_chair.get(f"/commission/seances/{upcoming.id}/conflits")
    assert conflicts.status_code == 200 and "Santé Connect SAS" in conflicts.get_data(as_text=True)
    agent_paths = [
        "/agent/commission",
        "/agent/commission/membres/nouveau",
        f"/agent/commission/membres/{member1.id}",
        "/agent/commission/seances/nouvelle",
        f"/agent/commission/seances/{upcoming.id}",
        f"/agent/commission/seances/{past.id}",
        f"/agent/commission/seances/{past.id}/proces-verbal",
        "/agent/decisions",
        f"/agent/decisions/dossiers/{past.items[0].dossier_id}",
    ]
    _assert_pages_render(signed_in(app, "agent@demo.ens", "agent-demo-2026"), agent_paths)
    expired = _demo_member(app, 9)
    assert expired.get("/commission").status_code == 200
    assert expired.get(f"/commission/seances/{upcoming.id}").status_code == 403


def test_membre1_sees_the_conflict_and_is_recused_by_the_chair(app, app_ctx):
    load_demo()
    upcoming = _session(UPCOMING_TITLE)
    [item] = [i for i in upcoming.items if i.conflicts]
    membre1 = _demo_member(app, 1)
    page = membre1.get(f"/commission/points/{item.id}").get_data(as_text=True)
    assert "Santé Connect SAS" in page and "examine ce conflit" in page
    services.decide_conflict(
        upcoming.presiding_member.user, item.conflicts[0], confirm=True, reason=""
    )
    assert membre1.get(f"/commission/points/{item.id}").status_code == 403


def test_membre2_reads_a_dossier_downloads_evidence_and_votes_through_the_recap(app, app_ctx):
    import re

    from ens_core.audit.models import AuditEvent

    load_demo()
    upcoming = _session(UPCOMING_TITLE)
    [item] = [i for i in upcoming.items if services.dossier_service(i.dossier).slug == "mamacare"]
    client = _demo_member(app, 2)
    agenda = client.get(f"/commission/seances/{upcoming.id}").get_data(as_text=True)
    assert "MamaCare" in agenda and "Glyco Carnet" in agenda and "Mind Balance" in agenda
    page = client.get(f"/commission/points/{item.id}/dossier")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    links = re.findall(rf'href="(/commission/points/{item.id}/preuves/\d+)"', body)
    assert links, "the demo dossier carries evidence"
    download = client.get(links[0])
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "commission.evidence_downloaded")
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', body)[1]
    recap = client.post(
        f"/commission/points/{item.id}/vote",
        data={"csrf_token": token, "choice": "favourable_suspensive", "reservations": "AIPD."},
    )
    assert recap.status_code == 200 and "Vous allez voter" in recap.get_data(as_text=True)
    ballot = re.search(r'name="ballot" value="([^"]+)"', recap.get_data(as_text=True))[1]
    done = client.post(
        f"/commission/points/{item.id}/vote/confirmation",
        data={"csrf_token": token, "ballot": ballot, "action": "confirm"},
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert [v.member.user.email for v in item.votes] == ["membre2@demo.ens"]
