"""HTTP routes of the commission portal and the secretariat: who may do what."""

import re
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from ens_core.accounts.models import Role
from ens_core.db import db
from review.commission import services
from review.commission.models import College, ItemStatus, Section, VoteChoice
from tests.factories import (
    PASSWORD,
    declared_link,
    make_commission_session,
    make_evaluated_dossier,
    make_member,
    make_organisation,
    make_service,
    make_user,
)
from tests.helpers import csrf_token, signed_in, submit, submit_action


@pytest.fixture
def scene(app_ctx):
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    member = make_member()
    conflicted = make_member(links=[declared_link("Santé Connect SAS")])
    expired = make_member(starts_on=date.today() - relativedelta(years=3))
    organisation = make_organisation(legal_name="Santé Connect SAS")
    session = make_commission_session(chair, agent=agent)
    item = services.put_on_agenda(
        agent, session, make_evaluated_dossier(make_service(organisation))
    )
    [conflict] = item.conflicts
    services.decide_conflict(chair.user, conflict, confirm=True, reason="Audit récent")
    services.record_attendance(agent, session, {chair.id, member.id, conflicted.id})
    services.open_deliberation(agent, item)
    services.add_comment(member, item, "Commentaire confidentiel du membre")
    db.session.flush()
    return {
        "agent": agent,
        "chair": chair,
        "member": member,
        "recused": conflicted,
        "expired": expired,
        "session": session,
        "item": item,
    }


def _post(client, url, data, form_url="/commission"):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url), **data})


def test_member_sees_agenda_item_comments_and_votes(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    assert client.get(f"/commission/seances/{scene['session'].id}").status_code == 200
    page = client.get(f"/commission/points/{item.id}")
    assert page.status_code == 200
    assert "Commentaire confidentiel" in page.get_data(as_text=True)
    recap = _post(client, f"/commission/points/{item.id}/vote", {"choice": "favourable"})
    assert recap.status_code == 200 and item.votes == []  # a recap, nothing stored yet
    ballot = re.search(r'name="ballot" value="([^"]+)"', recap.get_data(as_text=True))[1]
    confirm = f"/commission/points/{item.id}/vote/confirmation"
    response = _post(client, confirm, {"ballot": ballot, "action": "confirm"})
    assert response.status_code == 303
    db.session.expire_all()
    assert [(v.member_id, v.choice) for v in item.votes] == [
        (scene["member"].id, VoteChoice.FAVOURABLE)
    ]


def test_recused_member_cannot_read_comment_vote_or_recuse_on_every_route(app, scene):
    client = signed_in(app, scene["recused"].user.email, PASSWORD)
    item = scene["item"]
    assert client.get(f"/commission/points/{item.id}").status_code == 403
    for path, data in [
        (f"/commission/points/{item.id}/vote", {"choice": "favourable"}),
        (f"/commission/points/{item.id}/commentaires", {"body": "Je commente"}),
        (f"/commission/points/{item.id}/deport", {"reason": ""}),
    ]:
        assert _post(client, path, data).status_code == 403, path
    agenda = client.get(f"/commission/seances/{scene['session'].id}").get_data(as_text=True)
    assert "vous êtes déporté" in agenda
    assert f"/commission/points/{item.id}" not in agenda
    assert "Commentaire confidentiel" not in agenda
    assert client.get(f"/commission/seances/{scene['session'].id}/conflits").status_code == 403
    assert (
        client.get(f"/agent/commission/seances/{scene['session'].id}/proces-verbal").status_code
        == 403
    )
    assert item.votes == [] and len(item.comments) == 1
    assert (
        services.quorum_for(item).eligible
        == len(services.members_with_mandate_on(scene["session"].held_on)) - 1
    )


def test_member_without_mandate_reads_history_only(app, scene):
    client = signed_in(app, scene["expired"].user.email, PASSWORD)
    assert client.get("/commission").status_code == 200
    assert client.get("/commission/historique").status_code == 200
    assert client.get("/commission/declaration").status_code == 200
    assert client.get("/commission/seances").status_code == 403
    assert client.get(f"/commission/seances/{scene['session'].id}").status_code == 403
    assert client.get(f"/commission/points/{scene['item'].id}").status_code == 403
    assert (
        _post(
            client, f"/commission/points/{scene['item'].id}/vote", {"choice": "favourable"}
        ).status_code
        == 403
    )


def test_self_recusal_route(app, scene):
    client = signed_in(app, scene["member"].user.email, PASSWORD)
    item = scene["item"]
    response = _post(client, f"/commission/points/{item.id}/deport", {"reason": "Ancien salarié"})
    assert response.status_code == 303
    db.session.expire_all()
    assert scene["member"].id in item.recused_member_ids
    assert client.get(f"/commission/points/{item.id}").status_code == 403


def test_only_the_presiding_co_chair_examines_conflicts(app, scene):
    session = scene["session"]
    other_chair = make_member(College.CO_CHAIR)
    assert (
        signed_in(app, other_chair.user.email, PASSWORD)
        .get(f"/commission/seances/{session.id}/conflits")
        .status_code
        == 403
    )
    assert (
        signed_in(app, scene["member"].user.email, PASSWORD)
        .get(f"/commission/seances/{session.id}/conflits")
        .status_code
        == 403
    )
    chair_client = signed_in(app, scene["chair"].user.email, PASSWORD)
    page = chair_client.get(f"/commission/seances/{session.id}/conflits")
    assert page.status_code == 200 and "Santé Connect SAS" in page.get_data(as_text=True)


def test_chair_decides_conflicts_through_the_portal(app, app_ctx):
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    make_member(
        links=[
            declared_link(
                "Acme Santé SA",
                section=Section.BOARDS,
                nature="Administrateur",
                starts_on=date(2023, 1, 1),
            )
        ]
    )
    session = make_commission_session(chair, agent=agent)
    item = services.put_on_agenda(
        agent,
        session,
        make_evaluated_dossier(make_service(make_organisation(legal_name="ACME Santé"))),
    )
    [conflict] = item.conflicts
    other_session = make_commission_session(chair, agent=agent)
    client = signed_in(app, chair.user.email, PASSWORD)
    form = f"/commission/seances/{session.id}/conflits"
    # another session's URL with this conflict id: not found (no IDOR)
    assert (
        _post(
            client,
            f"/commission/seances/{other_session.id}/conflits/{conflict.id}",
            {"decision": "dismiss", "reason": "x"},
            form,
        ).status_code
        == 404
    )
    missing_reason = _post(
        client, f"{form}/{conflict.id}", {"decision": "dismiss", "reason": ""}, form
    )
    assert missing_reason.status_code == 400
    assert "motif" in missing_reason.get_data(as_text=True)
    ok = _post(client, f"{form}/{conflict.id}", {"decision": "dismiss", "reason": "Homonyme"}, form)
    assert ok.status_code == 303
    db.session.expire_all()
    assert conflict.status.value == "dismissed"


AGENT_GETS = [
    "/agent/commission",
    "/agent/commission/membres/nouveau",
    "/agent/commission/seances/nouvelle",
]


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.EDITOR, Role.COMMISSIONER])
def test_secretariat_is_closed_to_other_roles(app, scene, role):
    client = signed_in(app, make_user(role).email, PASSWORD)
    session, item = scene["session"], scene["item"]
    member = scene["member"]
    for path in [
        *AGENT_GETS,
        f"/agent/commission/membres/{member.id}",
        f"/agent/commission/seances/{session.id}",
        f"/agent/commission/seances/{session.id}/proces-verbal",
    ]:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    for path in [
        f"/agent/commission/membres/{member.id}/mandats",
        f"/agent/commission/seances/{session.id}/ordre-du-jour",
        f"/agent/commission/seances/{session.id}/convocation",
        f"/agent/commission/seances/{session.id}/presences",
        f"/agent/commission/seances/{session.id}/reconvocation",
        f"/agent/commission/seances/{session.id}/cloture",
        f"/agent/commission/points/{item.id}/ouverture",
        f"/agent/commission/points/{item.id}/cloture",
        f"/agent/commission/points/{item.id}/retrait",
    ]:
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert item.status is ItemStatus.VOTING


def test_anonymous_visitors_are_sent_to_login(client, scene):
    for path in [*AGENT_GETS, "/commission/historique", f"/commission/points/{scene['item'].id}"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_agent_runs_a_session_end_to_end(app, app_ctx):
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    members = [make_member() for _ in range(3)]
    dossier = make_evaluated_dossier()
    client = signed_in(app, agent.email, PASSWORD)
    new = submit(
        client,
        "/agent/commission/seances/nouvelle",
        {
            "title": "Séance test",
            "held_at": (date.today() + relativedelta(days=3)).isoformat() + "T14:00",
            "location": "Paris",
            "presiding_member_id": str(chair.id),
        },
    )
    assert new.status_code == 303
    session_url = new.headers["Location"]
    session_id = int(session_url.rstrip("/").rsplit("/", 1)[1])

    def post_from_session_page(path, data=None):
        return submit(client, path, data or {}, form_url=session_url).status_code

    assert (
        post_from_session_page(f"{session_url}/ordre-du-jour", {"dossier_id": str(dossier.id)})
        == 303
    )
    assert post_from_session_page(f"{session_url}/convocation") == 303
    present = [chair, *members]
    assert (
        client.post(
            f"{session_url}/presences",
            data={
                "csrf_token": csrf_token(client, session_url),
                "present": [str(m.id) for m in present],
            },
        ).status_code
        == 303
    )
    db.session.expire_all()
    session = services.get_session(session_id)
    [item] = session.items
    assert post_from_session_page(f"/agent/commission/points/{item.id}/ouverture") == 303
    db.session.expire_all()
    for member in present:
        services.cast_vote(
            member, item, VoteChoice.FAVOURABLE_NON_SUSPENSIVE, "Accessibilité à revoir"
        )
    assert post_from_session_page(f"/agent/commission/points/{item.id}/cloture") == 303
    db.session.expire_all()
    assert item.opinion is VoteChoice.FAVOURABLE_NON_SUSPENSIVE
    page = client.get(session_url).get_data(as_text=True)
    assert chair.name in page  # individual votes visible to agents
    minutes = client.get(f"{session_url}/proces-verbal")
    body = minutes.get_data(as_text=True)
    assert minutes.status_code == 200
    assert (
        "Votes individuels" in body
        and "Accessibilité à revoir" in body
        and "Quorum atteint" in body
    )
    assert "minutes.css" in body
    assert post_from_session_page(f"{session_url}/cloture") == 303


def test_secretariat_forms_re_render_with_errors(app, app_ctx):
    agent = make_user(Role.AGENT)
    client = signed_in(app, agent.email, PASSWORD)
    bad = submit(client, "/agent/commission/seances/nouvelle", {"title": "", "held_at": "demain"})
    assert bad.status_code == 400
    user = make_user(Role.CITIZEN)
    response = submit(
        client,
        "/agent/commission/membres/nouveau",
        {
            "email": user.email,
            "college": "citizen",
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-01",
        },
    )
    assert response.status_code == 400 and "2 à 4 ans" in response.get_data(as_text=True)
    ok = submit(
        client,
        "/agent/commission/membres/nouveau",
        {"email": user.email, "college": "citizen", "starts_on": "2026-01-01"},
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert user.has_role(Role.COMMISSIONER)
    member = services.member_of(user)
    member_page = f"/agent/commission/membres/{member.id}"
    third = submit_action(
        client, member_page, "mandats", {"college": "citizen", "starts_on": "2028-01-01"}
    )
    assert third.status_code == 303
    refused = submit_action(
        client, member_page, "mandats", {"college": "citizen", "starts_on": "2030-01-01"}
    )
    assert refused.status_code == 400
    assert "troisième mandat consécutif" in refused.get_data(as_text=True)
    assert client.get("/agent/commission/membres/999999").status_code == 404
    assert client.get("/agent/commission/seances/999999").status_code == 404


def test_presiding_chair_records_attendance_in_the_portal(app, app_ctx):
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    member = make_member()
    undeclared = make_member(declared=False)
    session = make_commission_session(chair, agent=agent)
    url = f"/commission/seances/{session.id}"
    client = signed_in(app, chair.user.email, PASSWORD)
    token = csrf_token(client, url)
    refused = client.post(
        f"{url}/presences",
        data={"csrf_token": token, "present": [str(chair.id), str(undeclared.id)]},
    )
    assert refused.status_code == 400
    assert "Déclaration" in refused.get_data(as_text=True)
    ok = client.post(
        f"{url}/presences", data={"csrf_token": token, "present": [str(chair.id), str(member.id)]}
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert services.present_member_ids(session) == {chair.id, member.id}
    other = signed_in(app, member.user.email, PASSWORD)
    assert (
        other.post(
            f"{url}/presences", data={"csrf_token": csrf_token(other, url), "present": []}
        ).status_code
        == 403
    )


def test_agent_reconvenes_postponed_items(app, app_ctx):
    agent = make_user(Role.AGENT)
    chair = make_member(College.CO_CHAIR)
    for _ in range(3):
        make_member()
    session = make_commission_session(chair, agent=agent)
    item = services.put_on_agenda(agent, session, make_evaluated_dossier())
    services.record_attendance(agent, session, {chair.id})
    services.open_deliberation(agent, item)
    client = signed_in(app, agent.email, PASSWORD)
    url = f"/agent/commission/seances/{session.id}"
    bad = submit(client, f"{url}/reconvocation", {"held_at": "2000-01-01T10:00"}, form_url=url)
    assert bad.status_code == 400
    when = (date.today() + relativedelta(days=20)).isoformat() + "T10:00"
    ok = submit(client, f"{url}/reconvocation", {"held_at": when}, form_url=url)
    assert ok.status_code == 303
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "délibérer sans quorum" in page


def test_minutes_record_recusals_quorum_and_individual_votes(app, scene):
    item, session = scene["item"], scene["session"]
    services.cast_vote(scene["chair"], item, VoteChoice.FAVOURABLE)
    services.cast_vote(scene["member"], item, VoteChoice.UNFAVOURABLE)
    services.close_item(scene["agent"], item)
    client = signed_in(app, scene["agent"].email, PASSWORD)
    body = client.get(f"/agent/commission/seances/{session.id}/proces-verbal").get_data(
        as_text=True
    )
    assert scene["recused"].name in body
    assert "Conflit confirmé par la présidence" in body and "Audit récent" in body
    assert "Quorum atteint" in body
    assert "Égalité départagée par la voix du président de séance" in body
    assert "Avis défavorable : 1" in body and "abstentions : 0" in body


def test_agent_ends_a_mandate_early_and_history_is_kept(app, app_ctx):
    agent = make_user(Role.AGENT)
    member = make_member()
    other = make_member()
    mandate = member.mandates[0]
    client = signed_in(app, agent.email, PASSWORD)
    form = f"/agent/commission/membres/{member.id}"
    # another member's mandate id under this member's URL: not found
    idor = submit(
        client,
        f"{form}/mandats/{other.mandates[0].id}/fin",
        {"last_day": date.today().isoformat(), "reason": "Démission"},
        form_url=form,
    )
    assert idor.status_code == 404
    bad = submit(
        client,
        f"{form}/mandats/{mandate.id}/fin",
        {"last_day": "1999-01-01", "reason": "Démission"},
        form_url=form,
    )
    assert bad.status_code == 400
    ok = submit(
        client,
        f"{form}/mandats/{mandate.id}/fin",
        {"last_day": (date.today() - relativedelta(days=1)).isoformat(), "reason": "Démission"},
        form_url=form,
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert member.mandate_on(date.today()) is None
    assert len(member.mandates) == 1
