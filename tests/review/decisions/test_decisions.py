from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from authz.models import ClientKind
from authz.services import clients_of_service
from catalogue.models import DataPurpose, ServiceEvent, ServiceEventKind, ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.notifications.models import Notification
from review.commission.models import College, VoteChoice
from review.decisions import services, sources
from review.decisions.models import Outcome, Permission
from review.decisions.policies import can_decide
from review.dossiers.models import DossierState
from tests.factories import (
    PASSWORD,
    approved_uses,
    give_opinion,
    make_dossier_with_opinion,
    make_evaluated_dossier,
    make_member,
    make_user,
)
from tests.helpers import csrf_token, signed_in

USES = approved_uses()


def test_referencing_creates_the_production_client_and_publishes_the_listing(app_ctx):
    agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    decision = services.record_decision(
        agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES
    )
    assert dossier.state is DossierState.REFERENCED
    assert decision.valid_until == date.today() + relativedelta(years=3)
    production = [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    assert len(production) == 1
    # the approved scope is the ceiling (patient/Patient.r was not approved); requested
    # technical scopes are kept; offline_access was never requested
    assert production[0].scope_ceiling.split() == sorted(
        ["fhirUser", "launch/patient", "openid", "patient/Observation.rs"]
    )
    assert production[0].redirect_uris == ["https://app.example/callback"]
    assert decision.client_id == production[0].id
    assert service.status is ServiceStatus.REFERENCED
    assert service.valid_until == decision.valid_until
    assert [(u.scope, u.purpose, u.retention_days) for u in service.data_uses] == [
        ("patient/Observation.rs", DataPurpose.CARE, 365)
    ]
    assert db.session.scalar(
        select(ServiceEvent).where(
            ServiceEvent.service_id == service.id, ServiceEvent.kind == ServiceEventKind.REFERENCED
        )
    )


def test_departing_from_the_opinion_requires_written_reasons(app_ctx):
    agent, dossier, _service = make_dossier_with_opinion(VoteChoice.UNFAVOURABLE)
    with pytest.raises(services.DecisionError) as error:
        services.record_decision(agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES)
    assert error.value.field == "reasons"
    assert dossier.state is DossierState.OPINION_GIVEN
    decision = services.record_decision(
        agent,
        dossier,
        outcome=Outcome.REFERENCED,
        approved_uses=USES,
        reasons="Les réserves techniques ont été corrigées depuis la séance.",
    )
    assert decision.departs_from_opinion


def test_refusal_needs_reasons_and_notifies_the_editor(app_ctx):
    agent, dossier, service = make_dossier_with_opinion(VoteChoice.UNFAVOURABLE)
    with pytest.raises(services.DecisionError):
        services.record_decision(agent, dossier, outcome=Outcome.REFUSED)
    services.record_decision(
        agent, dossier, outcome=Outcome.REFUSED, reasons="Hébergement non certifié"
    )
    assert dossier.state is DossierState.REFUSED
    assert not [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    editor_id = service.organisation.members[0].user_id
    note = db.session.scalar(select(Notification).where(Notification.user_id == editor_id))
    assert "Hébergement non certifié" in note.body
    assert db.session.scalar(
        select(ServiceEvent).where(
            ServiceEvent.kind == ServiceEventKind.REFUSED, ServiceEvent.service_id == service.id
        )
    )


def test_refusing_after_a_favourable_opinion_is_a_departure(app_ctx):
    agent, dossier, _service = make_dossier_with_opinion(VoteChoice.FAVOURABLE_NON_SUSPENSIVE)
    decision = services.record_decision(agent, dossier, outcome=Outcome.REFUSED, reasons="Motif")
    assert decision.departs_from_opinion


def test_suspensive_reservations_keep_the_dossier_pending_until_lifted(app_ctx):
    agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE_SUSPENSIVE)
    decision = services.record_decision(
        agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES
    )
    assert dossier.state is DossierState.REFERENCED_PENDING
    assert "AIPD" in decision.suspensive_reservations
    assert service.status is ServiceStatus.DRAFT
    assert not [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    with pytest.raises(services.DecisionError):
        services.lift_reservations(agent, decision, note="")
    services.lift_reservations(agent, decision, note="AIPD reçue le 2 mars")
    assert dossier.state is DossierState.REFERENCED
    assert service.status is ServiceStatus.REFERENCED
    assert decision.client is not None


def test_approved_scopes_must_be_a_subset_of_the_request(app_ctx, monkeypatch):
    agent, dossier, _service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    monkeypatch.setattr(sources, "requested_uses", lambda d: USES)
    wider = [*USES, sources.DataUse("patient/Condition.rs", DataPurpose.CARE, 30)]
    with pytest.raises(services.DecisionError) as error:
        services.record_decision(agent, dossier, outcome=Outcome.REFERENCED, approved_uses=wider)
    assert "n'a pas été demandé" in error.value.message
    with pytest.raises(services.DecisionError):
        services.record_decision(agent, dossier, outcome=Outcome.REFERENCED, approved_uses=[])


def test_only_agents_with_the_decision_permission_decide(app_ctx):
    _agent, dossier, _service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    plain_agent = make_user(Role.AGENT)
    assert not can_decide(plain_agent)
    with pytest.raises(services.DecisionError):
        services.record_decision(
            plain_agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES
        )
    member = make_user(Role.COMMISSIONER)
    services.grant_permission(None, member, Permission.DECISION)
    assert not can_decide(member)  # the permission needs the agent role


def _client(app, user):
    return signed_in(app, user.email, PASSWORD)


def test_decision_form_references_the_service(app, app_ctx):
    agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    client = _client(app, agent)
    url = f"/agent/decisions/dossiers/{dossier.id}"
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(client, url),
        "outcome": "referenced",
        "valid_until": (date.today() + relativedelta(years=2)).isoformat(),
        "uses-0-scope": "patient/Observation.rs",
        "uses-0-purpose": "care",
        "uses-0-retention_days": "365",
        "uses-0-approved": "on",
    }
    not_requested = client.post(url, data={**data, "uses-0-scope": "patient/Condition.rs"})
    assert not_requested.status_code == 400
    assert "pas été demandé" in not_requested.get_data(as_text=True)
    nothing = client.post(url, data={k: v for k, v in data.items() if k != "uses-0-approved"})
    assert nothing.status_code == 400
    assert "au moins un usage" in nothing.get_data(as_text=True)
    response = client.post(url, data=data)
    assert response.status_code == 303
    db.session.expire_all()
    assert dossier.state is DossierState.REFERENCED
    assert service.status is ServiceStatus.REFERENCED
    assert client.get("/agent/decisions").status_code == 200


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.EDITOR, Role.COMMISSIONER])
def test_decision_pages_are_closed_to_other_roles(app, app_ctx, role):
    _agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    user = make_user(role)
    if role is Role.EDITOR:  # even the dossier's own editor never sees individual votes
        from catalogue.models import OrganisationMember

        db.session.add(OrganisationMember(organisation_id=service.organisation_id, user_id=user.id))
        db.session.flush()
    client = _client(app, user)
    url = f"/agent/decisions/dossiers/{dossier.id}"
    assert client.get("/agent/decisions").status_code == 403
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/")
    assert (
        client.post(
            url, data={"csrf_token": token, "outcome": "refused", "reasons": "x"}
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert dossier.state is DossierState.OPINION_GIVEN


def test_agent_without_permission_reads_but_cannot_sign(app, app_ctx):
    _agent, dossier, _service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    client = _client(app, make_user(Role.AGENT))
    url = f"/agent/decisions/dossiers/{dossier.id}"
    assert client.get(url).status_code == 200
    token = csrf_token(client, url)
    assert (
        client.post(
            url, data={"csrf_token": token, "outcome": "refused", "reasons": "x"}
        ).status_code
        == 403
    )
    assert client.get("/agent/decisions/dossiers/999999").status_code == 404


def test_lifting_reservations_through_the_page(app, app_ctx):
    agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE_SUSPENSIVE)
    decision = services.record_decision(
        agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES
    )
    url = f"/agent/decisions/dossiers/{dossier.id}"
    lift_url = f"/agent/decisions/{decision.id}/levee-des-reserves"
    reader = _client(app, make_user(Role.AGENT))
    assert (
        reader.post(
            lift_url, data={"csrf_token": csrf_token(reader, url), "note": "ok"}
        ).status_code
        == 403
    )
    client = _client(app, agent)
    page = client.get(url).get_data(as_text=True)
    assert "AIPD à fournir" in page
    empty = client.post(lift_url, data={"csrf_token": csrf_token(client, url), "note": ""})
    assert empty.status_code == 400
    ok = client.post(lift_url, data={"csrf_token": csrf_token(client, url), "note": "AIPD reçue"})
    assert ok.status_code == 303
    db.session.expire_all()
    assert dossier.state is DossierState.REFERENCED
    assert service.status is ServiceStatus.REFERENCED
    again = client.post(lift_url, data={"csrf_token": csrf_token(client, url), "note": "encore"})
    assert again.status_code == 400
    assert (
        client.post(
            "/agent/decisions/999999/levee-des-reserves",
            data={"csrf_token": csrf_token(client, url)},
        ).status_code
        == 404
    )


def test_a_renewal_decision_keeps_the_production_client_and_records_a_renewal(app_ctx):
    from review.surveillance.models import RenewalState
    from review.surveillance.renewal import mark_renewal_filed, open_renewal_request

    agent, dossier, service = make_dossier_with_opinion(VoteChoice.FAVOURABLE)
    services.record_decision(agent, dossier, outcome=Outcome.REFERENCED, approved_uses=USES)
    first_client = next(c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION)
    first_client.is_enabled = False  # e.g. disabled during a past suspension

    # The renewal dossier goes through evaluation and the commission again.
    request = open_renewal_request(agent, service, now=utcnow())
    renewal = make_evaluated_dossier(service)
    mark_renewal_filed(request, renewal.id)
    give_opinion(agent, make_member(College.CO_CHAIR), renewal, VoteChoice.FAVOURABLE)

    later = date.today() + relativedelta(years=4)
    decision = services.record_decision(
        agent, renewal, outcome=Outcome.REFERENCED, approved_uses=USES, valid_until=later
    )
    production = [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    assert production == [first_client] and first_client.is_enabled
    assert decision.client_id == first_client.id
    assert service.valid_until == later
    kinds = [e.kind for e in service.events]
    assert kinds.count(ServiceEventKind.REFERENCED) == 1 and ServiceEventKind.RENEWED in kinds
    assert request.state is RenewalState.GRANTED
