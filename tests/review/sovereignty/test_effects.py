"""Suspension, reinstatement, delisting, deletion orders and the sweep (service level)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from authz.models import Client, ClientKind, Grant
from catalogue.models import ServiceEvent, ServiceEventKind, ServiceStatus
from catalogue.services import is_operational
from ens_core.accounts.models import Role
from ens_core.audit.models import AuditEvent
from ens_core.db import db
from ens_core.notifications.models import Notification
from review.sovereignty import services
from review.sovereignty.models import CaseState, OrderState, SovereigntyCase, Union
from review.sovereignty.sweep import run_sweep
from tests.factories import (
    make_grant,
    make_organisation,
    make_owner,
    make_referenced_service,
    make_user,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def production_enabled(service):
    return db.session.scalar(
        select(Client.is_enabled).where(
            Client.service_id == service.id, Client.kind == ClientKind.PRODUCTION
        )
    )


def notifications_of(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_a_breach_suspends_at_once_and_notifies_editor_and_connected_citizens(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor), country="US")
    citizen = make_user(Role.CITIZEN)
    make_grant(service, citizen)
    bystander = make_user(Role.CITIZEN)

    action = services.evaluate_and_apply(service, None, NOW)

    assert action.action == services.SUSPEND
    assert service.status is ServiceStatus.SUSPENDED
    assert not is_operational(service)
    assert production_enabled(service) is False
    case = services.open_case_of(service.id)
    assert case.deadline == date(2026, 12, 1)  # 6 months by default
    event = db.session.scalar(
        select(ServiceEvent).where(
            ServiceEvent.service_id == service.id, ServiceEvent.kind == ServiceEventKind.SUSPENDED
        )
    )
    assert event.details["deadline"] == "2026-12-01"
    assert "EEE" in event.details["legal_basis"]
    assert [n.kind for n in notifications_of(citizen) if n.kind != "new_connection"] == [
        "service_suspended"
    ]
    assert [n.kind for n in notifications_of(editor)] == ["sovereignty.suspended"]
    assert notifications_of(bystander) == []
    # Grants are not revoked by a suspension: they work again after reinstatement.
    assert db.session.scalar(select(Grant.revoked_at).where(Grant.service_id == service.id)) is None


def test_regularisation_months_are_configurable(app, app_ctx):
    service = make_referenced_service(country="US")
    app.config["ENS_REGULARISATION_MONTHS"] = 2
    try:
        services.evaluate_and_apply(service, None, NOW)
    finally:
        app.config["ENS_REGULARISATION_MONTHS"] = 6
    assert services.open_case_of(service.id).deadline == date(2026, 8, 1)


def test_regularised_before_the_deadline_reinstates_and_reenables(app_ctx):
    service = make_referenced_service(country="US")
    grant = make_grant(service)
    services.evaluate_and_apply(service, None, NOW)
    hosting = service.hosting[0]
    hosting.country = "DE"
    db.session.flush()

    action = services.evaluate_and_apply(service, None, NOW + timedelta(days=10))

    assert action.action == services.REINSTATE
    assert service.status is ServiceStatus.REFERENCED
    assert is_operational(service)
    assert production_enabled(service) is True
    assert grant.revoked_at is None
    case = db.session.scalar(
        select(SovereigntyCase).where(SovereigntyCase.service_id == service.id)
    )
    assert case.state is CaseState.REGULARISED
    kinds = [e.kind for e in service.events]
    assert ServiceEventKind.REINSTATED in kinds


def test_missed_deadline_delists_revokes_grants_and_orders_deletion(app_ctx):
    service = make_referenced_service(country="US")
    grants = [make_grant(service) for _ in range(3)]
    services.evaluate_and_apply(service, None, NOW)

    on_deadline = services.evaluate_and_apply(service, None, datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert on_deadline.action == services.UNCHANGED
    after = services.evaluate_and_apply(service, None, datetime(2026, 12, 2, 12, tzinfo=UTC))

    assert after.action == services.DELIST
    assert service.status is ServiceStatus.DELISTED
    assert all(g.revoked_at is not None for g in grants)
    (order,) = services.deletion_orders(service_ids=[service.id])
    assert order.state is OrderState.OPEN
    assert order.due_on == date(2027, 1, 1)
    assert ServiceEventKind.DELISTED in [e.kind for e in service.events]


def test_overdue_deletion_orders_are_flagged(app_ctx):
    service = make_referenced_service(country="US")
    order = services.issue_deletion_order(service, actor=None, now=NOW, reason="test")
    assert not order.is_overdue(date(2026, 7, 1))
    assert order.is_overdue(date(2026, 7, 2))
    assert services.overdue_orders(date(2026, 7, 2)) == [order]
    assert services.overdue_orders(date(2026, 7, 1)) == []
    report = run_sweep(now=datetime(2026, 7, 2, 12, tzinfo=UTC), dry_run=True)
    assert report.counts["overdue_orders"] == 1


def test_attestation_must_be_a_pdf_and_is_accepted_by_an_agent(app_ctx):
    editor = make_user(Role.EDITOR)
    agent = make_user(Role.AGENT)
    service = make_referenced_service(make_organisation(editor))
    order = services.issue_deletion_order(service, actor=None, now=NOW, reason="test")
    try:
        services.submit_attestation(editor, order, filename="a.pdf", content=b"MZ\x90", now=NOW)
    except services.SovereigntyError as error:
        assert "PDF" in str(error)
    else:
        raise AssertionError("a non-PDF was accepted")
    services.submit_attestation(editor, order, filename="a.pdf", content=b"%PDF-1.7 ok", now=NOW)
    assert order.state is OrderState.SUBMITTED
    assert services.attestation_file(order).read_bytes() == b"%PDF-1.7 ok"
    services.review_attestation(agent, order, accept=True, comment="", now=NOW)
    assert order.state is OrderState.ACCEPTED
    assert not order.is_overdue(date(2030, 1, 1))


def test_sweep_is_idempotent_and_counts(app_ctx):
    bad = make_referenced_service(country="US")
    good = make_referenced_service(country="FR")
    first = run_sweep(now=NOW)
    assert first.counts["suspended"] >= 1
    assert bad.status is ServiceStatus.SUSPENDED
    assert good.status is ServiceStatus.REFERENCED
    events = db.session.scalar(select(func.count(ServiceEvent.id)))
    second = run_sweep(now=NOW)
    assert second.counts["suspended"] == 0
    assert second.counts["delisted"] == 0
    assert db.session.scalar(select(func.count(ServiceEvent.id))) == events


def test_dry_run_writes_nothing(app_ctx):
    bad = make_referenced_service(country="US")
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    report = run_sweep(now=NOW, dry_run=True)
    assert report.counts["suspended"] >= 1
    assert bad.status is ServiceStatus.REFERENCED
    assert services.open_case_of(bad.id) is None
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert "dry run" in report.table(dry_run=True)


def test_owner_buyout_suspends_every_service_of_the_organisation(app_ctx):
    org = make_organisation()
    first = make_referenced_service(org)
    second = make_referenced_service(org)
    make_owner(org, country="US", share=70)
    services.sweep_services([first.id, second.id], now=NOW)
    assert first.status is ServiceStatus.SUSPENDED
    assert second.status is ServiceStatus.SUSPENDED


def test_registry_leave_today_suspends_affected_services_immediately(app_ctx):
    admin = make_user(Role.ADMIN)
    nordic = make_referenced_service(country="NO")
    french = make_referenced_service(country="FR")
    actions = services.record_leave(admin, "NO", Union.EEA, NOW.date(), now=NOW)
    assert [a.slug for a in actions if a.action == services.SUSPEND] == [nordic.slug]
    assert nordic.status is ServiceStatus.SUSPENDED
    assert french.status is ServiceStatus.REFERENCED
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "sovereignty.country_leave")
    )
    assert audit.actor_id == admin.id
    assert audit.object_id == "NO"


def test_a_future_leave_takes_effect_when_the_sweep_reaches_its_date(app_ctx):
    nordic = make_referenced_service(country="NO")
    leave = NOW.date() + timedelta(days=30)
    assert services.record_leave(None, "NO", Union.EEA, leave, now=NOW) == []
    assert nordic.status is ServiceStatus.REFERENCED
    run_sweep(now=NOW + timedelta(days=29))
    assert nordic.status is ServiceStatus.REFERENCED
    run_sweep(now=NOW + timedelta(days=30))
    assert nordic.status is ServiceStatus.SUSPENDED


def test_rejoining_reinstates_through_the_sweep(app_ctx):
    nordic = make_referenced_service(country="NO")
    services.record_leave(None, "NO", Union.EEA, NOW.date(), now=NOW)
    later = NOW + timedelta(days=10)
    services.record_join(None, "NO", Union.EEA, later.date(), now=later)
    assert nordic.status is ServiceStatus.REFERENCED


def test_leave_refuses_unknown_or_non_member_countries(app_ctx):
    for code, union in (("ZZ", Union.EU), ("US", Union.EU), ("NO", Union.EU)):
        try:
            services.record_leave(None, code, union, NOW.date(), now=NOW)
        except services.SovereigntyError:
            continue
        raise AssertionError(f"{code} leaving {union} was accepted")


def test_countries_cli_records_a_leave_and_the_sweep_cli_reports(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["countries", "leave", "XX", "--on", "2026-01-01"])
    assert result.exit_code != 0
    assert "XX" in result.output
    result = runner.invoke(args=["sovereignty", "sweep", "--dry-run", "--at", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "suspended | reinstated | delisted" in result.output


def test_a_direct_declaration_waits_for_an_agent_before_reinstatement(app_ctx):
    agent = make_user(Role.AGENT)
    service = make_referenced_service(country="US")
    services.evaluate_and_apply(service, None, NOW)
    case = services.open_case_of(service.id)
    with pytest.raises(services.SovereigntyError):
        services.accept_regularisation(agent, case, now=NOW)  # still hosted in the US
    service.hosting[0].country = "DE"  # as the editor portal would declare it
    db.session.flush()
    action = services.declaration_received(service, None, NOW)
    assert action.action == services.AWAITING_REVIEW
    assert service.status is ServiceStatus.SUSPENDED
    report = run_sweep(now=NOW)
    assert report.counts["awaiting_check"] == 1
    assert service.status is ServiceStatus.SUSPENDED
    services.accept_regularisation(agent, case, now=NOW)
    assert service.status is ServiceStatus.REFERENCED
    assert case.state is CaseState.REGULARISED


def test_the_declaration_listener_suspends_at_once(app_ctx):
    from ens_core.signals import declaration_recorded, send

    service = make_referenced_service(country="FR")
    service.hosting[0].country = "CN"
    db.session.flush()
    send(declaration_recorded, services=[service], declaration=service.hosting[0])
    assert service.status is ServiceStatus.SUSPENDED
    org = service.organisation
    other = make_referenced_service(org)
    make_owner(org, country="US", share=51)
    send(declaration_recorded, services=org.services, declaration=None)
    assert other.status is ServiceStatus.SUSPENDED


def test_an_emptied_registry_is_reseeded_rather_than_read_as_no_eu(app_ctx):
    from review.sovereignty.models import Country, Membership

    service = make_referenced_service(country="FR")
    db.session.execute(Membership.__table__.delete())
    db.session.execute(Country.__table__.delete())
    services.evaluate_and_apply(service, None, NOW)
    assert service.status is ServiceStatus.REFERENCED
    assert services.get_country("NO") is not None
