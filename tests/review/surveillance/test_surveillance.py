"""Complaints, audits, sanctions, renewals and change declarations (service level)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from catalogue.models import ServiceEvent, ServiceEventKind, ServiceStatus
from catalogue.services import hosting_countries, is_operational
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.notifications.models import Notification
from review.sovereignty import services as sovereignty
from review.sovereignty.sweep import run_sweep
from review.surveillance import renewal, services
from review.surveillance.models import (
    ChangeKind,
    ChangeState,
    ComplaintCategory,
    ComplaintSource,
    ComplaintState,
    RenewalNotice,
    RenewalState,
    SanctionKind,
    SanctionState,
)
from tests.factories import make_grant, make_organisation, make_referenced_service, make_user

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def kinds_of(user):
    return [
        n.kind
        for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    ]


# --------------------------------------------------------------------------- complaints


def _security_complaint(agent, service, description, attachment):
    return services.file_complaint(
        agent,
        service,
        category=ComplaintCategory.SECURITY,
        description=description,
        attachments=[attachment],
        now=NOW,
    )


def test_agent_files_a_complaint_with_a_checked_attachment_and_opens_an_audit(app_ctx):
    agent = make_user(Role.AGENT)
    service = make_referenced_service()
    with pytest.raises(services.SurveillanceError):
        _security_complaint(agent, service, "Fuite", ("x.pdf", b"<html>"))
    complaint = _security_complaint(
        agent, service, "Fuite de données signalée", ("capture.png", b"\x89PNG\r\n\x1a\nDATA")
    )
    (attachment,) = complaint.attachments
    assert attachment.content_type == "image/png"
    assert services.attachment_file(attachment).read_bytes().endswith(b"DATA")
    audit = services.open_audit(
        agent,
        service,
        scope="Sécurité",
        auditor="ANSSI",
        deadline=date(2026, 7, 1),
        complaint=complaint,
        now=NOW,
    )
    assert complaint.state is ComplaintState.AUDIT
    services.close_audit(agent, audit, findings="Correctifs appliqués", now=NOW)
    assert complaint.state is ComplaintState.CLOSED


def test_citizen_reports_are_imported_once(app_ctx):
    citizen = make_user(Role.CITIZEN)
    service = make_referenced_service()
    first = services.import_abuse_report(
        42, service=service, citizen=citizen, category="spam", description="Publicité", now=NOW
    )
    again = services.import_abuse_report(
        42, service=service, citizen=citizen, category="spam", description="Publicité", now=NOW
    )
    assert first.id == again.id
    assert first.source is ComplaintSource.CITIZEN
    assert first.category is ComplaintCategory.OTHER


def test_a_complaint_is_triaged_once(app_ctx):
    agent = make_user(Role.AGENT)
    complaint = services.file_complaint(
        agent,
        make_referenced_service(),
        category=ComplaintCategory.OTHER,
        description="abc",
        now=NOW,
    )
    services.triage_complaint(agent, complaint, state=ComplaintState.DISMISSED, note="Hors champ")
    with pytest.raises(services.SurveillanceError):
        services.triage_complaint(agent, complaint, state=ComplaintState.DISMISSED, note="again")


# --------------------------------------------------------------------------- sanctions


def test_sanction_procedure_is_contradictory(app_ctx):
    agent = make_user(Role.AGENT)
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    sanction = services.notify_sanction_intent(
        agent, service, grounds="Publicité trompeuse", proposed=SanctionKind.WARNING, now=NOW
    )
    assert sanction.answer_deadline == date(2026, 6, 16)
    assert "surveillance.sanction_intent" in kinds_of(editor)
    with pytest.raises(services.SurveillanceError):  # the editor may still answer
        services.decide_sanction(agent, sanction, kind=SanctionKind.WARNING, text="x", now=NOW)
    services.answer_sanction(editor, sanction, answer="Corrigé", now=NOW + timedelta(days=3))
    assert sanction.state is SanctionState.ANSWERED
    services.decide_sanction(
        agent, sanction, kind=SanctionKind.WARNING, text="Rappel", now=NOW + timedelta(days=4)
    )
    event = db.session.scalar(
        select(ServiceEvent).where(
            ServiceEvent.service_id == service.id, ServiceEvent.kind == ServiceEventKind.SANCTION
        )
    )
    assert "Avertissement" in event.summary
    assert service.status is ServiceStatus.REFERENCED


def test_late_answer_is_refused_and_the_agent_decides_after_the_deadline(app_ctx):
    agent = make_user(Role.AGENT)
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    grant = make_grant(service)
    sanction = services.notify_sanction_intent(
        agent, service, grounds="Manquements", proposed=SanctionKind.SUSPENSION, now=NOW
    )
    late = NOW + timedelta(days=16)
    with pytest.raises(services.SurveillanceError):
        services.answer_sanction(editor, sanction, answer="trop tard", now=late)
    with pytest.raises(services.SurveillanceError):  # a suspension needs an end
        services.decide_sanction(agent, sanction, kind=SanctionKind.SUSPENSION, text="x", now=late)
    services.decide_sanction(
        agent,
        sanction,
        kind=SanctionKind.SUSPENSION,
        text="Suspension d'un mois",
        suspended_until=date(2026, 7, 17),
        now=late,
    )
    assert service.status is ServiceStatus.SUSPENDED
    assert not is_operational(service)
    assert grant.revoked_at is None
    # A sovereignty sweep does not lift a sanction; the end date does.
    run_sweep(now=datetime(2026, 7, 16, 12, tzinfo=UTC))
    assert service.status is ServiceStatus.SUSPENDED
    run_sweep(now=datetime(2026, 7, 17, 12, tzinfo=UTC))
    assert service.status is ServiceStatus.REFERENCED
    assert sanction.state is SanctionState.LIFTED


def test_delisting_sanction_revokes_grants(app_ctx):
    agent = make_user(Role.AGENT)
    service = make_referenced_service()
    grant = make_grant(service)
    sanction = services.notify_sanction_intent(
        agent, service, grounds="Grave", proposed=SanctionKind.DELISTING, now=NOW
    )
    services.decide_sanction(
        agent, sanction, kind=SanctionKind.DELISTING, text="Grave", now=NOW + timedelta(days=20)
    )
    db.session.refresh(grant)
    assert service.status is ServiceStatus.DELISTED
    assert grant.revoked_at is not None


# --------------------------------------------------------------------------- renewal


def test_renewal_reminders_at_90_and_30_days_are_sent_once(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor), valid_until=date(2026, 12, 31))
    run_sweep(now=datetime(2026, 10, 1, 12, tzinfo=UTC))  # 91 days before
    assert "renewal.reminder" not in kinds_of(editor)
    run_sweep(now=datetime(2026, 10, 2, 12, tzinfo=UTC))  # 90 days before
    run_sweep(now=datetime(2026, 10, 3, 12, tzinfo=UTC))
    assert kinds_of(editor).count("renewal.reminder") == 1
    report = run_sweep(now=datetime(2026, 12, 1, 12, tzinfo=UTC))  # 30 days before
    assert report.counts["renewal_notices"] == 1
    run_sweep(now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    assert kinds_of(editor).count("renewal.reminder") == 2
    days = set(
        db.session.scalars(
            select(RenewalNotice.days_before).where(RenewalNotice.service_id == service.id)
        )
    )
    assert days == {90, 30}


def test_expiry_without_renewal_delists_without_a_deletion_order(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor), valid_until=date(2026, 12, 31))
    grant = make_grant(service)
    request = renewal.open_renewal_request(editor, service, now=NOW)
    run_sweep(now=datetime(2026, 12, 31, 12, tzinfo=UTC))
    assert service.status is ServiceStatus.REFERENCED
    report = run_sweep(now=datetime(2027, 1, 1, 12, tzinfo=UTC))
    assert report.counts["expired"] == 1
    db.session.refresh(grant)
    assert service.status is ServiceStatus.DELISTED
    assert grant.revoked_at is not None
    assert sovereignty.deletion_orders(service_ids=[service.id]) == []
    assert request.state is RenewalState.LAPSED
    assert ServiceEventKind.EXPIRED in [e.kind for e in service.events]


def test_granted_renewal_extends_validity(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor), valid_until=date(2026, 12, 31))
    request = renewal.open_renewal_request(editor, service, now=NOW)
    assert renewal.open_renewal_request(editor, service, now=NOW) is request
    renewal.mark_renewal_filed(request, None)
    renewal.grant_renewal(service, actor=None, new_valid_until=date(2029, 12, 31), now=NOW)
    assert request.state is RenewalState.GRANTED
    assert run_sweep(now=datetime(2027, 1, 1, 12, tzinfo=UTC)).counts["expired"] == 0


# --------------------------------------------------------------------------- changes


def test_a_new_version_takes_effect_at_once(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    change = services.declare_change(
        editor, service, kind=ChangeKind.VERSION, payload={"version": "2.0"}, now=NOW
    )
    assert change.state is ChangeState.ACCEPTED
    assert not change.material


def test_hosting_change_waits_for_an_agent(app_ctx):
    editor = make_user(Role.EDITOR)
    agent = make_user(Role.AGENT)
    service = make_referenced_service(make_organisation(editor))
    payload = {
        "provider": "AWS",
        "country": "US",
        "hds_certificate_number": "X",
        "hds_certificate_expiry": "2030-01-01",
    }
    change = services.declare_change(
        editor, service, kind=ChangeKind.HOSTING, payload=payload, now=NOW
    )
    assert change.state is ChangeState.PENDING
    assert hosting_countries(service, NOW.date()) == ["FR"]
    services.review_change(agent, change, accept=True, comment="", now=NOW)
    assert hosting_countries(service, NOW.date()) == ["US"]
    assert service.status is ServiceStatus.SUSPENDED  # evaluated at once


def test_scope_increase_needs_a_commission_opinion(app_ctx):
    editor = make_user(Role.EDITOR)
    agent = make_user(Role.AGENT)
    service = make_referenced_service(make_organisation(editor))

    def declare_scopes(*scopes):
        return services.declare_change(
            editor, service, kind=ChangeKind.SCOPES, payload={"scopes": list(scopes)}, now=NOW
        )

    same = declare_scopes("patient/Observation.rs")
    assert not same.requires_commission_opinion
    more = declare_scopes("patient/Condition.rs")
    assert more.requires_commission_opinion
    services.review_change(agent, more, accept=True, comment="", now=NOW)
    assert more.state is ChangeState.AWAITING_OPINION
    services.record_commission_opinion(agent, more, favourable=True, now=NOW)
    assert more.state is ChangeState.ACCEPTED
