"""Issue 15, editor side: forms post where they should, irreversible acts ask first."""

import re

from sqlalchemy import select

from catalogue.editor import services
from catalogue.models import Service
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.security import secret_matches
from tests.catalogue.editor.test_views import FORM
from tests.factories import PASSWORD, make_organisation, make_user
from tests.helpers import csrf_token, login, submit


def _forms(body: str) -> list[str]:
    """The action of every POST form of the page's main content ("" when it has none)."""
    body = body[body.index("<main") : body.index("</main>")]
    return [
        (re.search(r'action="([^"]*)"', tag) or [None, ""])[1]
        for tag in re.findall(r'<form method="post"[^>]*>', body)
    ]


def _new_service(client):
    editor = make_user(Role.EDITOR)
    make_organisation(editor, siren="732829320")
    login(client, editor.email, PASSWORD)
    response = submit(client, "/editeur/services/nouveau", FORM)
    service = db.session.scalar(select(Service).where(Service.slug == "sommeil-serein"))
    return response, service


def test_sandbox_settings_after_creation_post_to_the_sandbox(client, app_ctx):
    """Defect 1: the settings form shown after creating a service posted back to the
    creation URL (400, a blank service form); now it saves the redirect URI."""
    response, service = _new_service(client)
    body = response.get_data(as_text=True)
    sandbox_url = f"/editeur/services/{service.id}/bac-a-sable"
    assert "" not in _forms(body)
    assert sandbox_url in _forms(body)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    saved = client.post(
        sandbox_url,
        data={
            "csrf_token": token,
            "auth_method": "client_secret_basic",
            "redirect_uris": "https://sommeil.example/cb",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert services.sandbox_client(service).redirect_uris == ["https://sommeil.example/cb"]


def test_regenerating_a_secret_asks_first_and_the_next_form_does_not_regenerate(client, app_ctx):
    response, service = _new_service(client)
    first = re.search(r'<code id="client-secret">([^<]+)</code>', response.get_data(as_text=True))
    secret_url = f"/editeur/services/{service.id}/bac-a-sable/secret"
    # The sandbox page links to a confirmation page; nothing changes by opening it.
    page = client.get(f"/editeur/services/{service.id}/bac-a-sable").get_data(as_text=True)
    assert f'href="{secret_url}"' in page
    confirm = client.get(secret_url)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "cesse de fonctionner immédiatement" in text and "Annuler" in text
    assert _forms(text) == [secret_url]
    db.session.expire_all()
    assert secret_matches(first.group(1), services.sandbox_client(service).secret_hash)
    # Confirmed: a new secret, shown once; the page's settings form posts to the sandbox.
    done = submit(client, secret_url, {})
    body = done.get_data(as_text=True)
    new = re.search(r'<code id="client-secret">([^<]+)</code>', body).group(1)
    assert f"/editeur/services/{service.id}/bac-a-sable" in _forms(body)
    assert secret_url not in _forms(body)
    db.session.expire_all()
    assert secret_matches(new, services.sandbox_client(service).secret_hash)


def test_a_foreign_editor_cannot_open_the_secret_confirmation(client, app_ctx):
    _response, service = _new_service(client)
    client.get("/logout")
    intruder = make_user(Role.EDITOR, email="intrus@example.fr")
    make_organisation(intruder, legal_name="Intrus", siren="552100554")
    login(client, intruder.email, PASSWORD)
    assert client.get(f"/editeur/services/{service.id}/bac-a-sable/secret").status_code == 404
    token = csrf_token(client, "/editeur/services")
    refused = client.post(
        f"/editeur/services/{service.id}/bac-a-sable/secret", data={"csrf_token": token}
    )
    assert refused.status_code == 404
