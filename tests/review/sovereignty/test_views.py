"""Sovereignty pages over HTTP: the issue's scenario, uploads, permissions and IDOR."""

from datetime import date, timedelta

from sqlalchemy import select

from authz.models import Grant
from catalogue.models import ServiceStatus
from catalogue.services import get_service_by_slug, is_operational
from ens_core.accounts.models import Role
from ens_core.accounts.services import find_user_by_email
from ens_core.db import db, utcnow
from ens_core.demo import load_demo
from ens_core.notifications.models import Notification
from review.sovereignty import services
from review.sovereignty.models import OrderState
from review.sovereignty.sweep import run_sweep
from review.surveillance.models import ChangeDeclaration
from tests.factories import PASSWORD, make_organisation, make_referenced_service, make_user
from tests.helpers import login, submit, submit_action


def as_user(app, user):
    client = app.test_client()
    assert login(client, user.email, PASSWORD).status_code == 302
    return client


def as_demo(app, email, password):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def post_registry_change(client, data, form_url="/agent/souverainete/pays"):
    return submit(client, "/agent/souverainete/pays/changement", data, form_url=form_url)


def member_of(service):
    """A fresh editor account in the service's organisation (whichever demo account the
    catalogue's loader made its member)."""
    from catalogue.models import OrganisationMember

    user = make_user(Role.EDITOR)
    db.session.add(OrganisationMember(organisation_id=service.organisation_id, user_id=user.id))
    db.session.flush()
    return user


def test_done_when_scenario(app, app_ctx):
    load_demo()
    nordic = get_service_by_slug("nordic-move")
    respire = get_service_by_slug("respire-mieux")
    camille = find_user_by_email("camille@demo.ens")
    assert nordic.status is ServiceStatus.REFERENCED
    assert respire.status is ServiceStatus.SUSPENDED  # deadline running

    # An admin records "NO leaves the EEA today": suspended within the same request.
    admin = as_demo(app, "agent@demo.ens", "agent-demo-2026")
    response = post_registry_change(
        admin, {"code": "no", "union": "eea", "action": "leave", "on": date.today().isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert nordic.status is ServiceStatus.SUSPENDED
    assert not is_operational(nordic)  # the token check refuses its tokens from now on
    assert db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == camille.id, Notification.kind == "service_suspended"
        )
    )

    # The editor moves hosting to Germany; an agent accepts: reinstated.
    editor = as_user(app, member_of(nordic))
    url = f"/editeur/conformite/services/{nordic.id}/changements"
    response = submit(
        editor,
        url,
        {
            "kind": "hosting",
            "provider": "IONOS Health",
            "country": "DE",
            "hds_certificate_number": "HDS-DE-2026-7",
            "hds_certificate_expiry": (date.today() + timedelta(days=900)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    change = db.session.scalar(
        select(ChangeDeclaration).where(ChangeDeclaration.service_id == nordic.id)
    )
    db.session.expire_all()
    assert nordic.status is ServiceStatus.SUSPENDED  # not before an agent's review
    response = submit_action(
        admin,
        f"/agent/surveillance/changements/{change.id}",
        "examen",
        {"decision": "accept", "comment": "Certificat vérifié."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert nordic.status is ServiceStatus.REFERENCED
    assert is_operational(nordic)

    # Respire Mieux misses its deadline in a sweep with --at: delisted, order open.
    # (``ens sovereignty sweep --at`` is run_sweep + commit; the CLI itself is exercised
    # read-only in test_effects, a CLI commit would escape the per-test rollback on SQLite.)
    deadline = services.open_case_of(respire.id).deadline
    at = services.at_noon(deadline + timedelta(days=1))
    report = run_sweep(now=at)
    assert "respire-mieux" in report.table(dry_run=False)
    assert report.counts["delisted"] == 1
    db.session.expire_all()
    assert respire.status is ServiceStatus.DELISTED
    assert (
        db.session.scalar(
            select(Grant.id).where(Grant.service_id == respire.id, Grant.revoked_at.is_(None))
        )
        is None
    )
    (order,) = services.deletion_orders(service_ids=[respire.id])
    assert order.state is OrderState.OPEN
    again = run_sweep(now=at)
    assert again.counts["delisted"] == 0


def test_registry_change_needs_an_admin_and_validates(app, app_ctx):
    agent = make_user(Role.AGENT)
    client = as_user(app, agent)
    assert client.get("/agent/souverainete/pays").status_code == 200
    admin = as_user(app, make_user(Role.ADMIN))
    response = post_registry_change(
        admin, {"code": "N0", "union": "eea", "action": "leave", "on": "x"}
    )
    assert response.status_code == 400
    assert "Code ISO" in response.get_data(as_text=True)
    response = post_registry_change(
        admin,
        {"code": "US", "union": "eu", "action": "leave", "on": "2026-01-01"},
    )
    assert response.status_code == 400
    # An agent without the admin role cannot post a change.
    csrf_client = as_user(app, make_user(Role.AGENT, Role.EDITOR))
    response = post_registry_change(
        csrf_client,
        {"code": "NO", "union": "eea", "action": "leave", "on": "2026-01-01"},
        form_url="/editeur/conformite",
    )
    assert response.status_code == 403


def test_pages_deny_other_roles(app, app_ctx):
    citizen = as_user(app, make_user(Role.CITIZEN))
    for url in ("/agent/souverainete", "/agent/souverainete/suppressions", "/editeur/conformite"):
        assert citizen.get(url).status_code == 403
    assert app.test_client().get("/agent/souverainete").status_code == 302


def test_editor_uploads_an_attestation_only_for_its_own_order(app, app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    order = services.issue_deletion_order(service, actor=None, now=utcnow(), reason="test")
    other = as_user(app, make_user(Role.EDITOR))
    assert other.get(f"/editeur/conformite/suppressions/{order.id}").status_code == 404
    assert other.get(f"/editeur/conformite/suppressions/{order.id}/attestation").status_code == 404

    client = as_user(app, editor)
    url = f"/editeur/conformite/suppressions/{order.id}"
    assert client.get("/editeur/conformite").status_code == 200
    from io import BytesIO

    def upload(content: bytes, filename: str):
        return submit(
            client,
            url,
            {"attestation": (BytesIO(content), filename)},
            content_type="multipart/form-data",
        )

    response = upload(b"not a pdf", "a.pdf")
    assert response.status_code == 400
    assert "PDF" in response.get_data(as_text=True)
    response = upload(b"%PDF-1.4 signed", "attestation.pdf")
    assert response.status_code == 302
    db.session.expire_all()
    assert order.state is OrderState.SUBMITTED
    download = client.get(f"{url}/attestation")
    assert download.data == b"%PDF-1.4 signed"
    download.close()

    agent = as_user(app, make_user(Role.AGENT))
    agent_url = f"/agent/souverainete/suppressions/{order.id}"
    assert "en retard" not in agent.get("/agent/souverainete/suppressions").get_data(as_text=True)
    response = submit(agent, agent_url, {"decision": "reject", "comment": ""})
    assert response.status_code == 400
    response = submit(agent, agent_url, {"decision": "accept", "comment": "Conforme."})
    assert response.status_code == 302
    db.session.expire_all()
    assert order.state is OrderState.ACCEPTED


def test_overdue_orders_are_flagged_on_the_agent_page(app, app_ctx):
    service = make_referenced_service()
    services.issue_deletion_order(
        service, actor=None, now=utcnow() - timedelta(days=40), reason="old"
    )
    agent = as_user(app, make_user(Role.AGENT))
    assert "en retard" in agent.get("/agent/souverainete/suppressions").get_data(as_text=True)
    assert agent.get("/agent/souverainete/suppressions/999999").status_code == 404


def test_pages_render_with_demo_data_in_both_languages(app, app_ctx):
    load_demo()
    respire = get_service_by_slug("respire-mieux")
    services.issue_deletion_order(respire, actor=None, now=utcnow(), reason="Démo")
    agent = as_demo(app, "agent@demo.ens", "agent-demo-2026")
    editor = as_user(app, member_of(respire))
    for client, urls in (
        (agent, ["/agent/souverainete", "/agent/souverainete/pays"]),
        (editor, ["/editeur/conformite"]),
    ):
        for url in urls:
            page = client.get(url).get_data(as_text=True)
            assert "Respire Mieux" in page or "Norvège" in page, url
    assert "Journal Santé" in agent.get("/agent/surveillance").get_data(as_text=True)
    page = agent.get("/agent/souverainete").get_data(as_text=True)
    assert "actionnaire de contrôle hors UE" in page, page[page.find("<main") :][:3000]
    english = editor.get("/editeur/conformite?lang=en").get_data(as_text=True)
    assert "Compliance of your services" in english
    english = agent.get("/agent/souverainete?lang=en").get_data(as_text=True)
    assert "Suspended services awaiting regularisation" in english


def test_agent_accepts_a_regularisation_over_http(app, app_ctx):
    service = make_referenced_service(country="US")
    services.evaluate_and_apply(service, None, utcnow())
    case = services.open_case_of(service.id)
    url = f"/agent/souverainete/cas/{case.id}/regularisation"
    citizen = as_user(app, make_user(Role.CITIZEN))
    assert submit(citizen, url, {}, form_url="/").status_code == 403
    agent = as_user(app, make_user(Role.AGENT))
    response = submit(agent, url, {}, form_url="/agent/souverainete", follow_redirects=True)
    assert "Des manquements subsistent" in response.get_data(as_text=True)
    service.hosting[0].country = "DE"
    db.session.flush()
    services.declaration_received(service, None, utcnow())
    assert "Nouvelle déclaration à vérifier" in agent.get("/agent/souverainete").get_data(
        as_text=True
    )
    assert submit(agent, url, {}, form_url="/agent/souverainete").status_code == 302
    db.session.expire_all()
    assert service.status is ServiceStatus.REFERENCED
    assert (
        submit(
            agent,
            "/agent/souverainete/cas/999999/regularisation",
            {},
            form_url="/agent/souverainete",
        ).status_code
        == 404
    )
