"""What is published is what was reviewed: a published listing's reviewed fields change only
once an agent accepts the editor's proposal; harmless fields are published at once; every
published change is in the listing's public history."""

import pytest
from sqlalchemy import select

from catalogue import listing_changes
from catalogue.editor import services
from catalogue.models import ListingChangeState, ServiceEvent, ServiceEventKind, ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.notifications.models import Notification
from tests.factories import PASSWORD, make_listed_service, make_organisation, make_user
from tests.helpers import signed_in, submit

FORM = {
    "name": "Tension Suivi",
    "short_description": "Suivez votre tension artérielle.",
    "long_description": "Notez vos mesures et partagez-les avec votre médecin traitant.",
    "categories[]": ["chronic_disease"],
    "platforms[]": ["web"],
    "audiences[]": ["adults"],
    "price_model": "free",
    "website_url": "https://tension.example/",
    "privacy_policy_url": "https://tension.example/confidentialite",
}


def _values(**changes):
    values = {key.rstrip("[]"): value for key, value in FORM.items()}
    return {**values, **changes}


@pytest.fixture
def world(app_ctx):
    editor = make_user(Role.EDITOR, email="editeur@tension.example")
    agent = make_user(Role.AGENT, email="agent@tension.example")
    service = make_listed_service(make_organisation(editor), slug="tension-suivi", **_values())
    return {"editor": editor, "agent": agent, "service": service}


def _as(app, user):
    return signed_in(app, user.email, PASSWORD)


def _history(service):
    return list(
        db.session.scalars(
            select(ServiceEvent).where(
                ServiceEvent.service_id == service.id,
                ServiceEvent.kind == ServiceEventKind.LISTING_CHANGED,
            )
        )
    )


def test_a_published_listing_keeps_its_text_until_an_agent_accepts(world):
    editor, agent, service = world["editor"], world["agent"], world["service"]
    outcome = services.update_service(
        editor, service, _values(name="Tension Suivi Plus", short_description="Guérit tout.")
    )
    assert service.name == "Tension Suivi"  # the public page is unchanged
    assert service.short_description == "Suivez votre tension artérielle."
    change = outcome.proposal
    assert change.state is ListingChangeState.PENDING
    assert change.fields == {"name": "Tension Suivi Plus", "short_description": "Guérit tout."}
    diff = listing_changes.listing_diff(change)
    assert [(d.field, d.published, d.proposed) for d in diff] == [
        ("name", "Tension Suivi", "Tension Suivi Plus"),
        ("short_description", "Suivez votre tension artérielle.", "Guérit tout."),
    ]
    assert _history(service) == []

    listing_changes.accept_listing_change(agent, change)
    assert service.name == "Tension Suivi Plus"
    assert change.state is ListingChangeState.ACCEPTED
    (event,) = _history(service)
    assert event.details["fields"] == ["name", "short_description"]


def test_harmless_fields_are_published_at_once_and_recorded(world):
    editor, service = world["editor"], world["service"]
    outcome = services.update_service(
        editor, service, _values(website_url="https://nouveau.example/", platforms=["web", "ios"])
    )
    assert outcome.proposal is None
    assert service.website_url == "https://nouveau.example/"
    assert service.platforms == ["web", "ios"]
    (event,) = _history(service)
    assert set(event.details["fields"]) == {"website_url", "platforms"}


def test_a_new_proposal_replaces_the_pending_one_and_going_back_withdraws_it(world):
    editor, service = world["editor"], world["service"]
    first = services.update_service(editor, service, _values(name="Premier nom")).proposal
    second = services.update_service(editor, service, _values(name="Second nom")).proposal
    assert first.state is ListingChangeState.SUPERSEDED
    assert listing_changes.pending_listing_change(service) is second
    assert services.update_service(editor, service, _values()).proposal is None
    assert second.state is ListingChangeState.SUPERSEDED
    assert listing_changes.pending_listing_changes() == []


def test_a_refusal_needs_a_reason_and_tells_the_editor(world):
    editor, agent, service = world["editor"], world["agent"], world["service"]
    change = services.update_service(editor, service, _values(price_model="reimbursed")).proposal
    with pytest.raises(listing_changes.ListingChangeError):
        listing_changes.reject_listing_change(agent, change, reason="  ")
    listing_changes.reject_listing_change(agent, change, reason="Aucun remboursement prouvé.")
    assert service.price_model == "free"
    assert change.review_comment == "Aucun remboursement prouvé."
    notice = db.session.scalar(select(Notification).where(Notification.user_id == editor.id))
    assert "Aucun remboursement prouvé." in notice.body
    assert notice.link == f"/editeur/services/{service.id}"
    with pytest.raises(listing_changes.ListingChangeError):
        listing_changes.accept_listing_change(agent, change)  # already reviewed


def test_a_draft_listing_is_still_edited_directly(world):
    editor = world["editor"]
    draft = make_listed_service(
        make_organisation(editor), status=ServiceStatus.DRAFT, **_values(name="Brouillon")
    )
    assert services.update_service(editor, draft, _values(name="Brouillon 2")) is None
    assert draft.name == "Brouillon 2"


def test_editor_and_agent_over_http(app, world):
    editor, agent, service = world["editor"], world["agent"], world["service"]
    editor_client = _as(app, editor)
    url = f"/editeur/services/{service.id}/modifier"
    proposal = {
        **FORM,
        "name": "Tension Suivi Pro",
        "categories[]": ["chronic_disease", "mental_health"],
    }
    answer = submit(editor_client, url, proposal)
    assert answer.status_code == 302
    page = editor_client.get(url).get_data(as_text=True)
    assert "Modification en attente d'examen" in page
    assert 'value="Tension Suivi Pro"' in page  # the form shows what is proposed
    public = app.test_client().get("/catalogue/tension-suivi").get_data(as_text=True)
    assert "Tension Suivi Pro" not in public

    change = listing_changes.pending_listing_change(service)
    review_url = f"/agent/surveillance/fiches/{change.id}"
    assert editor_client.get(review_url).status_code in (403, 404)
    agent_client = _as(app, agent)
    assert review_url in agent_client.get("/agent/surveillance").get_data(as_text=True)
    page = agent_client.get(review_url).get_data(as_text=True)
    assert "Tension Suivi Pro" in page and "Tension Suivi" in page
    assert "Suivi de maladie chronique, Santé mentale" in page  # choices by their labels
    refused = submit(
        agent_client, review_url + "/examen", {"decision": "reject"}, form_url=review_url
    )
    assert refused.status_code == 400
    assert "motif du refus" in refused.get_data(as_text=True)
    accepted = submit(
        agent_client, review_url + "/examen", {"decision": "accept"}, form_url=review_url
    )
    assert accepted.status_code == 302
    public = app.test_client().get("/catalogue/tension-suivi").get_data(as_text=True)
    assert "<h1>Tension Suivi Pro</h1>" in public
    assert "Nom du service" in public  # the history says what changed
    assert agent_client.get("/agent/surveillance/fiches/999999").status_code == 404
