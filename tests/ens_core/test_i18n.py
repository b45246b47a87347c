"""French first, English complete: every message in the code and templates is translated."""

import pytest

from ens_core import i18n_catalogs


@pytest.mark.parametrize("package", i18n_catalogs.units())
def test_every_message_has_an_english_translation(package):
    missing = i18n_catalogs.untranslated(package)
    assert not missing, (
        f"untranslated in {package} (edit the .po, then `make i18n`): {missing[:10]}"
    )


@pytest.mark.parametrize("package", i18n_catalogs.units())
def test_compiled_catalogue_says_what_the_po_says(package):
    """The .mo the app loads carries the .po's messages: compared message by message, so
    that neither the compiler's version nor its header can fail the test."""
    stale = i18n_catalogs.stale_compiled_messages(package)
    assert not stale, f"run `make i18n` ({package}): {stale[:10]}"


def test_french_by_default_and_english_on_request(client):
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "How does it work?" in english
    # the choice is remembered
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_browser_language_is_honoured(app):
    fresh = app.test_client()
    body = fresh.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in body


def test_language_switch_keeps_the_page(client):
    body = client.get("/login?next=/espace").get_data(as_text=True)
    assert 'href="/login?next=%2Fespace&amp;lang=en"' in body
