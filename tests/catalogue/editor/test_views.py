import re
from datetime import date

import pytest
from sqlalchemy import func, select

from authz.models import Client
from catalogue.editor import services
from catalogue.editor.models import Invitation
from catalogue.models import (
    HostingDeclaration,
    Organisation,
    OwnerDeclaration,
    Service,
    ServiceStatus,
)
from catalogue.services import is_member
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.security import secret_matches
from tests.catalogue.editor.images import SVG, png
from tests.factories import PASSWORD, make_organisation, make_user
from tests.helpers import csrf_token, login, refused, submit

PNG = png()

FORM = {
    "name": "Sommeil Serein",
    "short_description": "Agenda du sommeil et programme TCC-I.",
    "long_description": "Un programme de six semaines de thérapie comportementale de l'insomnie.",
    "categories[]": ["mental_health", "prevention"],
    "platforms[]": ["ios"],
    "audiences[]": ["adults"],
    "price_model": "freemium",
    "website_url": "https://sommeil.example/",
    "privacy_policy_url": "https://sommeil.example/confidentialite",
}


@pytest.fixture
def world(app_ctx):
    """Editor A with a complete organisation; editor B (the intruder) with their own."""
    a = make_user(Role.EDITOR, email="a@editeur.example")
    org_a = make_organisation(a, legal_name="Org A", siren="732829320")
    service_a, client_a, _ = services.create_service(
        a, org_a, {**{k.rstrip("[]"): v for k, v in FORM.items()}, "name": "Service A"}
    )
    services.store_logo(a, service_a, "a.svg", SVG)
    hosting_a = services.declare_hosting(
        a, service_a, {"provider": "OVHcloud", "country": "FR", "effective_from": date(2024, 1, 1)}
    )
    owner_a = services.declare_owner(
        a,
        org_a,
        {
            "entity_name": "Holding A",
            "country": "FR",
            "share_percent": 60.0,
            "effective_from": date(2024, 1, 1),
        },
    )
    invitation_a, _ = services.invite_colleague(a, org_a, "colleague@a.example")
    b = make_user(Role.EDITOR, email="b@editeur.example")
    org_b = make_organisation(b, legal_name="Org B", country="DE", foreign_registration="HRB 1")
    service_b, _, _ = services.create_service(
        b, org_b, {**{k.rstrip("[]"): v for k, v in FORM.items()}, "name": "Service B"}
    )
    hosting_b = services.declare_hosting(
        b, service_b, {"provider": "IONOS", "country": "DE", "effective_from": date(2024, 1, 1)}
    )
    return {
        "a": a,
        "org_a": org_a,
        "service_a": service_a,
        "client_a": client_a,
        "hosting_a": hosting_a,
        "owner_a": owner_a,
        "invitation_a": invitation_a,
        "b": b,
        "org_b": org_b,
        "service_b": service_b,
        "hosting_b": hosting_b,
    }


def snapshot(w):
    db.session.expire_all()
    org = db.session.get(Organisation, w["org_a"].id)
    service = db.session.get(Service, w["service_a"].id)
    client = db.session.get(Client, w["client_a"].id)
    return (
        (org.legal_name, org.siren, org.address),
        (service.name, service.slug, service.logo_path, service.short_description),
        (client.secret_hash, tuple(client.redirect_uris), client.token_endpoint_auth_method),
        db.session.get(Invitation, w["invitation_a"].id).revoked_at,
        db.session.scalar(select(func.count()).select_from(HostingDeclaration)),
        db.session.get(HostingDeclaration, w["hosting_a"].id).effective_to,
        db.session.scalar(select(func.count()).select_from(OwnerDeclaration)),
        db.session.get(OwnerDeclaration, w["owner_a"].id).effective_to,
        db.session.scalar(select(func.count()).select_from(Invitation)),
        db.session.scalar(select(func.count()).select_from(Service)),
    )


def test_a_foreign_editor_can_neither_see_nor_touch_anything(client, world):
    w = world
    o, s = w["org_a"].id, w["service_a"].id
    before = snapshot(w)
    login(client, "b@editeur.example", PASSWORD)
    gets = [
        f"/editeur/organisations/{o}",
        f"/editeur/organisations/{o}/modifier",
        f"/editeur/organisations/{o}/actionnaires",
        f"/editeur/services/{s}",
        f"/editeur/services/{s}/modifier",
        f"/editeur/services/{s}/logo",
        f"/editeur/services/{s}/bac-a-sable",
        f"/editeur/services/{s}/hebergement",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/editeur/services")
    own_o, own_s = w["org_b"].id, w["service_b"].id
    posts = {
        f"/editeur/organisations/{o}/modifier": {
            "legal_name": "Pirate",
            "siren": "552100554",
            "country": "FR",
            "address": "1 rue du Vol, Paris",
            "contact_name": "Pirate",
            "contact_email": "p@example.fr",
        },
        f"/editeur/organisations/{o}/invitations": {"email": "pirate@example.fr"},
        f"/editeur/organisations/{o}/invitations/{w['invitation_a'].id}/revoquer": {},
        f"/editeur/organisations/{own_o}/invitations/{w['invitation_a'].id}/revoquer": {},
        f"/editeur/organisations/{o}/actionnaires": {
            "entity_name": "Pirate",
            "country": "US",
            "share_percent": "10",
            "effective_from": "2025-01-01",
        },
        f"/editeur/organisations/{o}/actionnaires/{w['owner_a'].id}/fin": {
            "effective_to": "2025-01-01"
        },
        f"/editeur/organisations/{own_o}/actionnaires/{w['owner_a'].id}/fin": {
            "effective_to": "2025-01-01"
        },
        f"/editeur/services/{s}/modifier": {**FORM, "name": "Pirate"},
        f"/editeur/services/{s}/bac-a-sable": {
            "auth_method": "none",
            "redirect_uris": "https://evil.example/cb",
        },
        f"/editeur/services/{s}/bac-a-sable/secret": {},
        f"/editeur/services/{s}/hebergement": {
            "provider": "Evil",
            "country": "US",
            "effective_from": "2025-01-01",
        },
        f"/editeur/services/{s}/hebergement/{w['hosting_a'].id}/fin": {
            "effective_to": "2025-01-01"
        },
        f"/editeur/services/{own_s}/hebergement/{w['hosting_a'].id}/fin": {
            "effective_to": "2025-01-01"
        },
    }
    for url, data in posts.items():
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404, url
    response = client.post(
        f"/editeur/services/{s}/logo",
        data={"csrf_token": token, "logo": (__import__("io").BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    # Creating a service in someone else's organisation is refused too.
    response = client.post(
        "/editeur/services/nouveau", data={"csrf_token": token, **FORM, "organisation_id": str(o)}
    )
    assert response.status_code == 400
    assert snapshot(w) == before
    listing = client.get("/editeur/services").get_data(as_text=True)
    home = client.get("/editeur").get_data(as_text=True)
    assert "Service B" in listing and "Service A" not in listing
    assert "Org A" not in home and "Service A" not in home


def test_non_editors_are_kept_out(client, world):
    citizen = make_user(Role.CITIZEN)
    assert client.get("/editeur/services").status_code == 302  # to the login page
    login(client, citizen.email, PASSWORD)
    assert client.get("/editeur/services").status_code == 403
    assert client.get(f"/editeur/services/{world['service_a'].id}").status_code == 403
    # A draft's logo is not public: hidden like a missing one.
    assert client.get(f"/editeur/services/{world['service_a'].id}/logo").status_code == 404


def test_a_listed_service_logo_is_public(client, world):
    service = world["service_a"]
    service.status = ServiceStatus.REFERENCED
    db.session.flush()
    response = client.get(f"/editeur/services/{service.id}/logo")
    assert response.status_code == 200 and response.data == SVG
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_an_invited_user_accepts_from_their_invitations_page(client, world):
    colleague = make_user(Role.CITIZEN, email="colleague@a.example")
    login(client, "b@editeur.example", PASSWORD)  # not the invited address
    assert "Org A" not in client.get("/editeur/invitations").get_data(as_text=True)
    token = csrf_token(client, "/editeur/invitations")
    url = f"/editeur/invitations/{world['invitation_a'].id}/accepter"
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    submit(client, "/logout", {}, form_url="/editeur/invitations")
    login(client, colleague.email, PASSWORD)
    assert "Org A" in client.get("/editeur/invitations").get_data(as_text=True)
    response = submit(client, url, {}, form_url="/editeur/invitations")
    assert response.status_code == 302
    db.session.expire_all()
    assert is_member(colleague, world["org_a"]) and colleague.has_role(Role.EDITOR)
    assert not is_member(world["b"], world["org_a"])


def test_creating_a_service_shows_the_secret_once(client, app_ctx):
    editor = make_user(Role.EDITOR)
    make_organisation(editor, siren="732829320")
    login(client, editor.email, PASSWORD)
    response = submit(client, "/editeur/services/nouveau", FORM)
    body = response.get_data(as_text=True)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="client-secret">([^<]+)</code>', body).group(1)
    service = db.session.scalar(select(Service).where(Service.slug == "sommeil-serein"))
    sandbox = services.sandbox_client(service)
    assert sandbox.client_id in body
    assert secret_matches(secret, sandbox.secret_hash)
    again = client.get(f"/editeur/services/{service.id}/bac-a-sable").get_data(as_text=True)
    assert secret not in again and "Secret masqué" in again
    # Regenerate: a new secret is shown once, the old one stops working.
    response = submit(
        client,
        f"/editeur/services/{service.id}/bac-a-sable/secret",
        {},
        form_url=f"/editeur/services/{service.id}/bac-a-sable",
    )
    new = re.search(r'<code id="client-secret">([^<]+)</code>', response.get_data(as_text=True))
    db.session.expire_all()
    sandbox = services.sandbox_client(service)
    assert new and secret_matches(new.group(1), sandbox.secret_hash)
    assert not secret_matches(secret, sandbox.secret_hash)


def test_bad_service_form_says_why_and_writes_nothing(client, app_ctx):
    editor = make_user(Role.EDITOR)
    make_organisation(editor, siren="732829320")
    login(client, editor.email, PASSWORD)
    bad = {
        **FORM,
        "categories[]": ["astrology"],
        "platforms[]": [],
        "website_url": "http://sommeil.example/",
        "slug": "Pas Un Slug",
    }
    body = refused(client, "/editeur/services/nouveau", bad)
    assert "commençant par https://" in body
    assert "Choisissez au moins une plateforme." in body or "Ce champ est obligatoire." in body
    assert "Lettres minuscules" in body
    assert "Sommeil Serein" in body  # values kept
    assert db.session.scalar(select(func.count()).select_from(Service)) == 0
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_organisation_edit_validates_and_saves(client, app_ctx):
    editor = make_user(Role.EDITOR)
    organisation = make_organisation(editor, legal_name="Ancien nom")
    login(client, editor.email, PASSWORD)
    url = f"/editeur/organisations/{organisation.id}/modifier"
    good = {
        "legal_name": "Santé Connect SAS",
        "siren": "732829321",
        "country": "FR",
        "address": "12 rue des Lilas, 69003 Lyon",
        "contact_name": "Élise Fournier",
        "contact_email": "contact@santeconnect.example",
    }
    response = submit(client, url, good)
    assert response.status_code == 400
    assert "clé de Luhn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).legal_name == "Ancien nom"
    make_organisation(siren="552100554")
    response = submit(client, url, {**good, "siren": "552100554"})
    assert response.status_code == 400
    assert "déjà inscrite" in response.get_data(as_text=True)
    response = submit(client, url, {**good, "siren": "732 829 320"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, organisation.id)
    assert (saved.legal_name, saved.siren) == ("Santé Connect SAS", "732829320")
    assert "Santé Connect SAS" in client.get(
        "/editeur/organisation", follow_redirects=True
    ).get_data(as_text=True)


def test_invitation_by_link_and_sign_up(client, app_ctx):
    editor = make_user(Role.EDITOR)
    organisation = make_organisation(editor, legal_name="Org Invitante")
    login(client, editor.email, PASSWORD)
    page = f"/editeur/organisations/{organisation.id}"
    response = submit(
        client,
        f"/editeur/organisations/{organisation.id}/invitations",
        {"email": "nouvelle@example.fr"},
        form_url=page,
    )
    body = response.get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+/editeur/invitation/[^<]+)</code>", body).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "nouvelle@example.fr" in client.get(page).get_data(as_text=True)  # pending
    assert link not in client.get(page).get_data(as_text=True)  # shown once
    submit(client, "/logout", {}, form_url=page)
    bad = submit(client, "/" + path, {"name": "Nina", "password": "x", "password_confirm": "y"})
    assert bad.status_code == 400
    response = submit(
        client,
        "/" + path,
        {
            "name": "Nina Leroy",
            "password": "une phrase de passe solide",
            "password_confirm": "une phrase de passe solide",
        },
    )
    assert response.status_code == 302
    assert "Org Invitante" in client.get("/editeur").get_data(as_text=True)
    assert client.get("/" + path).status_code == 404  # single use


def test_invitation_revocation_over_http(client, app_ctx):
    editor = make_user(Role.EDITOR)
    organisation = make_organisation(editor)
    invitation, token = services.invite_colleague(editor, organisation, "x@example.fr")
    login(client, editor.email, PASSWORD)
    page = f"/editeur/organisations/{organisation.id}"
    response = submit(
        client,
        f"{page}/invitations/{invitation.id}/revoquer",
        {},
        form_url=page,
    )
    assert response.status_code == 302
    assert client.get(f"/editeur/invitation/{token}").status_code == 404


def test_sandbox_settings_over_http(client, world):
    login(client, "a@editeur.example", PASSWORD)
    url = f"/editeur/services/{world['service_a'].id}/bac-a-sable"
    response = submit(
        client, url, {"auth_method": "none", "redirect_uris": "http://evil.example/cb"}
    )
    assert response.status_code == 400
    assert "127.0.0.1" in response.get_data(as_text=True)
    response = submit(
        client,
        url,
        {"auth_method": "none", "redirect_uris": "https://a.example/cb\nhttp://[::1]:8080/cb"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    sandbox = db.session.get(Client, world["client_a"].id)
    assert sandbox.redirect_uris == ["https://a.example/cb", "http://[::1]:8080/cb"]
    assert sandbox.secret_hash is None


def test_logo_upload_and_serving(client, world):
    login(client, "a@editeur.example", PASSWORD)
    service_id = world["service_a"].id
    url = f"/editeur/services/{service_id}/logo"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    token = csrf_token(client, f"/editeur/services/{service_id}")
    import io

    bad = client.post(
        url,
        data={"csrf_token": token, "logo": (io.BytesIO(PNG), "renamed.svg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "ne correspond pas" in bad.get_data(as_text=True)
    good = client.post(
        url,
        data={"csrf_token": token, "logo": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    served = client.get(url)
    assert served.mimetype == "image/png" and served.data == PNG
    assert "unsafe-inline" not in served.headers["Content-Security-Policy"]


def _saved(client, url: str, form: dict) -> str:
    """Post ``form`` to the page ``url``: saved (302); returns the page as it is now."""
    response = submit(client, url, form)
    assert response.status_code == 302
    return client.get(url).get_data(as_text=True)


def test_hosting_declaration_over_http_keeps_history(client, world):
    login(client, "a@editeur.example", PASSWORD)
    url = f"/editeur/services/{world['service_a'].id}/hebergement"
    text = refused(
        client,
        url,
        {"provider": "", "country": "FR", "hds_certificate_number": "HDS-1", "effective_from": "x"},
    )
    assert "Ce champ est obligatoire." in text and "expiration du certificat" in text
    replacement = {
        "replaces_id": str(world["hosting_a"].id),
        "provider": "Green Mountain AS",
        "country": "NO",
        "effective_from": "2025-06-01",
    }
    page = _saved(client, url, replacement)
    assert "Green Mountain AS" in page and "OVHcloud" in page and "1 juin 2025" in page
    db.session.expire_all()
    assert db.session.get(HostingDeclaration, world["hosting_a"].id).effective_to == date(
        2025, 6, 1
    )


def test_owner_declaration_over_http(client, world):
    login(client, "a@editeur.example", PASSWORD)
    url = f"/editeur/organisations/{world['org_a'].id}/actionnaires"
    bad = {"entity_name": "X", "country": "US", "share_percent": "150", "effective_from": ""}
    assert "entre 0 et 100" in refused(client, url, bad)
    owner = {
        "entity_name": "BrightPath Holdings Inc.",
        "country": "US",
        "share_percent": "30,5",
        "declared_control": "true",
        "effective_from": "2025-01-01",
    }
    page = _saved(client, url, owner)
    assert "BrightPath Holdings Inc." in page and "30.5 %" in page
    end = submit(
        client,
        f"{url}/{world['owner_a'].id}/fin",
        {"effective_to": "2020-01-01"},
        form_url=url,
    )
    assert end.status_code == 400
