"""Issue 15: contact, legal notice, personal data and cookies pages, linked from every
page; the accessibility statement gives an address to write to."""

import pytest

PAGES = {
    "/contact": ("Contact", "Contact"),
    "/mentions-legales": ("Mentions légales", "Legal notice"),
    "/donnees-personnelles": ("Données personnelles", "Personal data"),
    "/cookies": ("Cookies", "Cookies"),
}


@pytest.mark.parametrize("path", PAGES)
def test_each_help_page_answers_in_both_languages_and_is_in_the_footer(client, path):
    french, english = PAGES[path]
    page = client.get(path)
    assert page.status_code == 200
    assert f"<h1>{french}</h1>" in page.get_data(as_text=True)
    body = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert f"<h1>{english}</h1>" in body
    home = client.get("/").get_data(as_text=True)
    footer = home[home.index("<footer") :]
    assert f'href="{path}"' in footer


def test_the_addresses_come_from_the_settings(app, client):
    app.config["ENS_CONTACT_EMAIL"] = "ecrire@ministere.example"
    app.config["ENS_DPO_EMAIL"] = "dpo@ministere.example"
    try:
        contact = client.get("/contact").get_data(as_text=True)
        assert 'href="mailto:ecrire@ministere.example"' in contact
        assert 'href="mailto:dpo@ministere.example"' in contact
        statement = client.get("/accessibilite").get_data(as_text=True)
        assert 'href="mailto:ecrire@ministere.example"' in statement
        assert "Défenseur des droits" in statement
        data = client.get("/donnees-personnelles").get_data(as_text=True)
        assert 'href="mailto:dpo@ministere.example"' in data and "CNIL" in data
    finally:
        app.config["ENS_CONTACT_EMAIL"] = "contact@ens-store.example"
        app.config["ENS_DPO_EMAIL"] = "dpo@ens-store.example"


def test_cookies_page_lists_the_cookies_the_site_sets(app, client):
    body = client.get("/cookies?lang=en").get_data(as_text=True)
    assert app.config["SESSION_COOKIE_NAME"] in body and "ens_lang" in body
    hours = int(app.config["PERMANENT_SESSION_LIFETIME"]) // 3600
    assert f"{hours} hours at most" in body
    assert "Cookies" in body and "Durée" not in body
