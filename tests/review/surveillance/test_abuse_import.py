"""Citizen abuse reports (health space) become surveillance complaints."""

from sqlalchemy import select

from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health.models import AbuseCategory, AbuseReport
from ens_core.health.services import file_abuse_report
from review.surveillance.models import Complaint, ComplaintCategory, ComplaintSource
from tests.factories import PASSWORD, make_referenced_service, make_user
from tests.helpers import login, submit


def _complaint_of(report_id):
    return db.session.scalar(select(Complaint).where(Complaint.abuse_report_id == report_id))


def test_each_category_maps_to_a_complaint_category(app_ctx):
    citizen = make_user(Role.CITIZEN)
    service = make_referenced_service()
    expected = {
        AbuseCategory.DATA_MISUSE: ComplaintCategory.DATA_MISUSE,
        AbuseCategory.UNEXPECTED_ACCESS: ComplaintCategory.DATA_MISUSE,
        AbuseCategory.ADVERTISING: ComplaintCategory.DATA_MISUSE,
        AbuseCategory.MISLEADING: ComplaintCategory.MISLEADING,
        AbuseCategory.SECURITY: ComplaintCategory.SECURITY,
        AbuseCategory.OTHER: ComplaintCategory.OTHER,
    }
    for category, complaint_category in expected.items():
        report = file_abuse_report(citizen, service, category, f"Signalement {category.value}")
        complaint = _complaint_of(report.id)
        assert complaint is not None, category
        assert complaint.category is complaint_category
        assert complaint.source is ComplaintSource.CITIZEN
        assert complaint.reporter_id == citizen.id
        assert complaint.service_id == service.id
        assert complaint.description == f"Signalement {category.value}"


def test_report_and_complaint_share_one_transaction(app_ctx):
    citizen = make_user(Role.CITIZEN)
    service = make_referenced_service()
    db.session.commit()
    report = file_abuse_report(citizen, service, AbuseCategory.SECURITY, "Faille")
    report_id = report.id
    assert _complaint_of(report_id) is not None
    db.session.rollback()
    assert db.session.get(AbuseReport, report_id) is None
    assert _complaint_of(report_id) is None


def test_citizen_form_reaches_the_agent_triage_list(client, app_ctx):
    citizen = make_user(Role.CITIZEN)
    agent = make_user(Role.AGENT)
    service = make_referenced_service(name="Respire Mieux Test")
    db.session.commit()
    login(client, citizen.email, PASSWORD)
    response = submit(
        client,
        "/espace/signaler",
        {
            "service": str(service.id),
            "category": "advertising",
            "description": "Je reçois des publicités basées sur ma tension.",
        },
    )
    assert response.status_code == 302
    report = db.session.scalar(select(AbuseReport).where(AbuseReport.service_id == service.id))
    complaint = _complaint_of(report.id)
    assert complaint.category is ComplaintCategory.DATA_MISUSE
    with client.session_transaction() as session:
        session.clear()
    login(client, agent.email, PASSWORD)
    home = client.get("/agent/surveillance").get_data(as_text=True)
    assert f"Respire Mieux Test #{complaint.id}" in home
    assert "Titulaire" in home
    page = client.get(f"/agent/surveillance/plaintes/{complaint.id}").get_data(as_text=True)
    assert "Je reçois des publicités basées sur ma tension." in page
    # a citizen cannot read the surveillance list
    with client.session_transaction() as session:
        session.clear()
    login(client, citizen.email, PASSWORD)
    assert client.get("/agent/surveillance").status_code in (403, 302)
