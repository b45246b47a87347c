"""The editor portal points to the review dossier pages."""

from datetime import date

from catalogue.editor import services as editor
from ens_core.accounts.models import Role
from ens_core.db import db
from review.dossiers.lifecycle import transition
from review.dossiers.models import DossierState
from tests.catalogue.editor.images import SVG
from tests.factories import PASSWORD, make_dossier, make_organisation, make_referential, make_user
from tests.helpers import login

FORM = {
    "name": "Sommeil Serein",
    "short_description": "Agenda du sommeil et programme TCC-I.",
    "long_description": "Un programme de six semaines de thérapie comportementale.",
    "categories": ["mental_health"],
    "platforms": ["ios"],
    "audiences": ["adults"],
    "price_model": "freemium",
    "website_url": "https://sommeil.example/",
    "privacy_policy_url": "https://sommeil.example/confidentialite",
}


def _ready_draft(email="a@editeur.example", name="Service A"):
    """A draft service with nothing left to do but file its dossier."""
    user = make_user(Role.EDITOR, email=email)
    organisation = make_organisation(user, legal_name=f"Org {name}")
    service, client, _ = editor.create_service(user, organisation, {**FORM, "name": name})
    editor.store_logo(user, service, "a.svg", SVG)
    editor.declare_hosting(
        user, service, {"provider": "OVHcloud", "country": "FR", "effective_from": date(2024, 1, 1)}
    )
    client.redirect_uris = ["https://a.example/cb"]
    db.session.flush()
    return user, service


def test_next_step_opens_a_dossier_then_follows_it(app, app_ctx):
    user, service = _ready_draft()
    make_referential()
    with app.test_request_context():
        _steps_follow_the_dossier(user, service)


def _steps_follow_the_dossier(user, service):
    (step,) = editor.next_steps(service)
    assert step.label == "Déposer un dossier de référencement"
    assert step.url == f"/editeur/dossiers?service_id={service.id}"
    dossier = make_dossier(service, user)
    (step,) = editor.next_steps(service)
    assert step.label == "Compléter le dossier de référencement"
    assert step.url == f"/editeur/dossiers/{dossier.id}"
    transition(dossier, DossierState.SUBMITTED, actor=user)
    (step,) = editor.next_steps(service)
    assert step.label == "Suivre le dossier de référencement"
    assert step.url == f"/editeur/dossiers/{dossier.id}"


def test_service_page_links_to_the_dossier_page_which_preselects_it(client, app_ctx):
    user, service = _ready_draft()
    _, other = _ready_draft("b@editeur.example", "Service B")
    make_referential()
    db.session.commit()
    login(client, user.email, PASSWORD)
    page = client.get(f"/editeur/services/{service.id}").get_data(as_text=True)
    assert f'href="/editeur/dossiers?service_id={service.id}"' in page
    index = client.get(f"/editeur/dossiers?service_id={service.id}").get_data(as_text=True)
    assert f'<option value="{service.id}" selected>' in index
    # another organisation's service is neither offered nor preselected
    index = client.get(f"/editeur/dossiers?service_id={other.id}").get_data(as_text=True)
    assert f'value="{other.id}"' not in index
    assert client.get("/editeur/dossiers?service_id=abc").status_code == 200
