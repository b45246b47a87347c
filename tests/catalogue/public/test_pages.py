"""The public catalogue pages, as a person sees them (FR by default, EN on request)."""

import re
from datetime import date

import pytest

from catalogue.models import (
    DataPurpose,
    ServiceEventKind,
    ServiceStatus,
)
from tests.factories import (
    make_hosting,
    make_listed_service,
    make_organisation,
    make_service,
    make_service_event,
    make_suspended_service,
)


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_catalogue_is_in_the_main_navigation(client):
    _, body = page(client, "/")
    assert '<a href="/catalogue">Catalogue</a>' in body


def test_search_page_is_a_plain_get_form_with_labelled_filters(client):
    status, body = page(client, "/catalogue")
    assert status == 200
    assert '<form method="get" action="/catalogue"' in body
    for field in ("q", "category", "reads", "writes", "platform", "price", "audience", "sort"):
        assert f'<label for="f-{field}">' in body
    assert 'name="ecoscore" value="A"' in body and 'name="accessible"' in body
    # The search works without JavaScript; the one script only folds the filters on a phone.
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/js/disclosure.js" defer>']
    assert "style=" not in body


def test_search_finds_tension_with_ecoscore_a_to_b(client, app_ctx):
    make_listed_service(name="Tension Suivi", slug="tension-suivi", ecoscore_grade="A")
    make_listed_service(name="Tension Plus", slug="tension-plus", ecoscore_grade="D")
    make_listed_service(name="Journal Santé", slug="journal-sante", ecoscore_grade="A")
    status, body = page(client, "/catalogue?q=tension&ecoscore=A&ecoscore=B&category=")
    assert status == 200
    assert "1 service trouvé" in body
    assert 'href="/catalogue/tension-suivi"' in body
    assert "tension-plus" not in body and "journal-sante" not in body
    # the form keeps what was asked
    assert 'value="tension"' in body and 'value="A" checked' in body


def test_suspended_services_show_a_badge_and_drafts_never_show(client, app_ctx):
    make_listed_service(name="Nordic Move", slug="nordic-move", status=ServiceStatus.SUSPENDED)
    make_service(name="Nordic Draft", slug="nordic-draft")
    _, body = page(client, "/catalogue?q=nordic")
    assert "1 service trouvé" in body
    assert 'class="badge badge-suspended"' in body
    assert "nordic-draft" not in body


def test_pagination_links_keep_the_search(client, app_ctx):
    for n in range(23):
        make_listed_service(name=f"Rappel {n:02d}", slug=f"rappel-{n:02d}")
    _, body = page(client, "/catalogue?q=rappel")
    assert "23 services trouvés" in body and "page 1 sur 2" in body
    assert 'href="/catalogue?q=rappel&amp;page=2" rel="next"' in body
    _, second = page(client, "/catalogue?q=rappel&page=2")
    assert "rappel-22" in second and "rappel-00" not in second


def test_invalid_filters_are_ignored_with_a_message_not_an_error(client, app_ctx):
    make_listed_service(name="Tension Suivi", slug="tension-suivi")
    status, body = page(client, "/catalogue?q=tension&category=nope&page=abc&ecoscore=Z")
    assert status == 400
    assert "Certains critères de recherche ne sont pas valides" in body
    assert "tension-suivi" in body


def test_english_catalogue(client, app_ctx):
    make_listed_service(
        name="Mind Balance",
        slug="mind-balance",
        short_description="Méditation guidée",
        short_description_en="Guided meditation",
    )
    _, body = page(client, "/catalogue?q=mind&lang=en")
    assert '<html lang="en">' in body
    assert "1 service found" in body and "Guided meditation" in body
    assert "Filter the results" in body
    assert 'href="/catalogue?q=mind&amp;lang=fr"' in body  # the switch keeps the search


@pytest.fixture
def listed(app_ctx):
    organisation = make_organisation(legal_name="Santé Connect SAS", country="FR")
    service = make_listed_service(
        organisation,
        name="Tension Suivi",
        slug="tension-suivi",
        short_description="Suivez votre tension.",
        long_description="Notez vos mesures.\n\nPartagez-les avec votre médecin.",
        long_description_en="Log your readings.",
        short_description_en="Track your blood pressure.",
        website_url="https://tension-suivi.example/connexion",
        scores={"security": 92, "interoperability": 78, "ethics": 85},
        ecoscore_grade="B",
        ecoscore_value=71.4,
        ecoscore_details={"method": "EcoIndex", "dom_elements": 512, "requests": 27},
        data_uses=[
            ("patient/Observation.rs", DataPurpose.CARE, 365),
            ("patient/Observation.c", DataPurpose.CARE, 365),
            ("patient/Patient.read", DataPurpose.CARE, 30),
        ],
        hosting=["FR", "DE"],
    )
    make_service_event(service, ServiceEventKind.REFERENCED, summary="Référencé pour 3 ans.")
    return service


def test_service_page_explains_data_hosting_scores_and_decision(client, listed):
    status, body = page(client, "/catalogue/tension-suivi")
    assert status == 200
    assert "<h1>Tension Suivi</h1>" in body and "Santé Connect SAS" in body
    assert "Partagez-les avec votre médecin." in body
    # data in plain words, with purpose and retention
    assert "Il peut lire et ajouter vos mesures et résultats" in body
    assert "Pourquoi : Soins." in body and "Il les garde au plus 1 an." in body
    assert "Il peut lire votre identité et votre profil." in body and "30 jours" in body
    # hosting countries by name
    assert "<li>France</li>" in body and "<li>Allemagne</li>" in body
    # scores: SVG chart with a text alternative
    assert 'role="img" aria-labelledby="score-chart-title"' in body
    assert '<th scope="row">Sécurité</th><td>92</td>' in body
    # écoscore and its measurements
    assert "Écoscore B" in body and "71,4 sur 100" in body
    assert "Éléments de la page (DOM)" in body and "512" in body
    # decision, validity, history
    assert "1 janvier 2029" in body and "Référencé pour 3 ans." in body
    # connect starts at the service, abuse report link
    assert 'href="https://tension-suivi.example/connexion"' in body
    assert "Connecter ce service" in body
    assert 'href="/espace/signaler?service=tension-suivi"' in body


def test_service_page_in_english(client, listed):
    _, body = page(client, "/catalogue/tension-suivi?lang=en")
    assert '<html lang="en">' in body
    assert "Log your readings." in body and "Notez vos mesures" not in body
    assert "<li>Germany</li>" in body
    assert "It may read and add your measurements and results" in body
    assert "Connect this service" in body and "Report abuse" in body
    assert "Security" in body


def test_closed_hosting_declarations_are_not_shown(client, listed):
    make_hosting(
        listed,
        provider="Old",
        country="US",
        effective_from=date(2020, 1, 1),
        effective_to=date(2021, 1, 1),
    )
    _, body = page(client, "/catalogue/tension-suivi")
    assert "États-Unis" not in body


def test_suspended_service_shows_reason_and_deadline_and_no_connect(client, app_ctx):
    make_suspended_service(
        "Hébergement des données hors de l'Union européenne (Norvège).",
        summary="Suspension pour hébergement hors UE.",
        deadline="2027-05-01",
    )
    status, body = page(client, "/catalogue/nordic-move")
    assert status == 200
    assert "Ce service est suspendu" in body
    assert "Hébergement des données hors de l&#39;Union européenne (Norvège)." in body
    assert "1 mai 2027" in body
    assert "Connecter ce service" not in body
    assert "<li>Norvège</li>" in body


def test_delisted_service_page_is_gone_and_draft_is_not_found(client, app_ctx):
    make_listed_service(name="Ancien", slug="ancien", status=ServiceStatus.DELISTED)
    make_service(name="Brouillon", slug="brouillon")
    status, body = page(client, "/catalogue/ancien")
    assert status == 410 and "n'est plus dans le catalogue" in body
    assert "Connecter ce service" not in body
    assert page(client, "/catalogue/brouillon")[0] == 404
    assert page(client, "/catalogue/nulle-part")[0] == 404


def test_home_highlights_recently_referenced_services(client, app_ctx):
    make_listed_service(name="Vita Senior", slug="vita-senior")
    make_listed_service(name="Suspendu", slug="suspendu", status=ServiceStatus.SUSPENDED)
    _, body = page(client, "/")
    assert "Derniers services référencés" in body
    assert 'href="/catalogue/vita-senior"' in body and "/catalogue/suspendu" not in body
    assert '<form method="get" action="/catalogue"' in body
