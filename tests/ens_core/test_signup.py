from sqlalchemy import select

from catalogue.models import Organisation, OrganisationMember
from ens_core.accounts.models import Role, User
from ens_core.db import db
from tests.factories import make_user
from tests.helpers import refused, submit

GOOD = {
    "name": "Léa Dupont",
    "email": "Lea.Dupont@Example.fr",
    "birth_date": "1992-05-17",
    "password": "une phrase de passe solide",
    "password_confirm": "une phrase de passe solide",
}


def test_citizen_signs_up_and_lands_in_her_account(client, app_ctx):
    response = submit(client, "/inscription", GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "lea.dupont@example.fr"))
    assert user.roles == {Role.CITIZEN}
    assert user.password_hash.startswith("$argon2")
    assert "Léa Dupont" in client.get("/mon-compte").get_data(as_text=True)


def test_signup_page_shows_the_password_rules(client):
    assert "Au moins 12 caractères" in client.get("/inscription").get_data(as_text=True)


def test_bad_signup_shows_field_errors_and_creates_nothing(client, app_ctx):
    bad = {
        **GOOD,
        "email": "nope",
        "password": "short",
        "password_confirm": "other",
        "birth_date": "2999-01-01",
    }
    body = refused(client, "/inscription", bad)
    assert "au moins 12 caractères" in body
    assert "adresse électronique valide" in body
    assert "futur" in body
    assert db.session.scalar(select(User).where(User.email == "nope")) is None
    assert "Léa Dupont" in body  # values kept
    assert "une phrase" not in body  # passwords never echoed


def test_signup_with_an_existing_email_is_refused(client, app_ctx):
    existing = make_user(Role.CITIZEN, email="taken@test.ens")
    response = submit(client, "/inscription", {**GOOD, "email": existing.email.upper()})
    assert response.status_code == 400
    assert "Un compte existe déjà" in response.get_data(as_text=True)


def test_editor_signup_creates_the_organisation_shell(client, app_ctx):
    response = submit(
        client,
        "/editeur/inscription",
        {
            "organisation_name": "MedApp SAS",
            "country": "FR",
            "name": "Paul Éditeur",
            "email": "paul@medapp.example",
            "password": "encore une phrase longue",
            "password_confirm": "encore une phrase longue",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "paul@medapp.example"))
    assert user.roles == {Role.EDITOR}
    organisation = db.session.scalar(
        select(Organisation).join(OrganisationMember).where(OrganisationMember.user_id == user.id)
    )
    assert organisation.legal_name == "MedApp SAS"
    assert "MedApp SAS" in client.get("/editeur").get_data(as_text=True)
