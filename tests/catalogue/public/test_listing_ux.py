"""Issue 15, public side: the écoscore's measurements as the review publishes them
(defect 2), logos at a public URL (defect 3)."""

import pytest
from flask_babel import force_locale

from catalogue.public.vocabulary import (
    ECOSCORE_HIDDEN,
    ECOSCORE_MEASURE_LABELS,
    ECOSCORE_STRUCTURED,
    SCORE_AREA_LABELS,
    ecoscore_measurements,
)
from review.referential.models import Area
from review.scoring.services import ecoscore_of_journey
from tests.factories import make_listed_service

JOURNEY = [
    {"label": "Connexion", "energy_ratio": 1.1, "display_time_s": 0.8, "data_kb": 80.0},
    {
        "label": "Tableau de bord",
        "energy_ratio": 1.6,
        "display_time_s": 1.5,
        "data_kb": 420.0,
        "dom_elements": 600,
        "http_requests": 35,
        "page_weight_kb": 900.0,
    },
]


@pytest.fixture
def published(app_ctx):
    value, grade, details = ecoscore_of_journey(JOURNEY, "Pixel 7, Android 14")
    return make_listed_service(
        name="Glyco Carnet",
        slug="glyco-carnet",
        ecoscore_value=value,
        ecoscore_grade=grade,
        ecoscore_details=details,
        scores={"urbanisation": 70, "security": 90, "environment": 80},
    )


def test_every_key_the_review_publishes_has_a_label_or_a_place(app_ctx):
    _value, _grade, details = ecoscore_of_journey(JOURNEY, "Pixel 7")
    for key in details:
        assert key in ECOSCORE_MEASURE_LABELS or key in ECOSCORE_STRUCTURED | ECOSCORE_HIDDEN
    assert {str(area) for area in Area} <= set(SCORE_AREA_LABELS)


def test_measurements_show_journey_steps_and_ecoindex(app_ctx):
    _value, _grade, details = ecoscore_of_journey(JOURNEY, "Pixel 7")
    with force_locale("en"):
        measures = ecoscore_measurements(details)
    labels = [label for label, _value, _lang in measures.facts]
    assert "Measured on (device or tool)" in labels
    assert any(label.startswith("EcoIndex") for label in labels)
    assert [row["label"] for row in measures.steps] == ["Connexion", "Tableau de bord"]
    assert measures.steps[0]["ecoindex"] == "—" and "(" in measures.steps[1]["ecoindex"]


def test_service_page_shows_the_measurements_in_the_pages_language(client, published):
    body = client.get("/catalogue/glyco-carnet").get_data(as_text=True)
    table = body[body.index("Mesures à l'origine de l'écoscore") :]
    assert "Appareil ou outil de mesure" in table and "Pixel 7, Android 14" in table
    assert "EcoIndex des pages web du parcours" in table
    assert "Tableau de bord" in table and "Connexion" in table
    assert "Environnement" in body and "Environment" not in body
    english = client.get("/catalogue/glyco-carnet?lang=en").get_data(as_text=True)
    assert "Measured on (device or tool)" in english
    assert "Mesures" not in english and "Méthode" not in english and "Appareil" not in english
    assert "Architecture" in english and "Urbanisation" not in english


def test_a_listed_services_logo_has_a_public_address(client, app_ctx):
    """Defect 3: ``logo_uri`` was the host + the storage path (404) and no public page
    showed a logo."""
    from catalogue.editor.services import store_logo
    from ens_core.accounts.models import Role
    from tests.catalogue.editor.images import SVG
    from tests.factories import make_user

    editor = make_user(Role.EDITOR)
    service = make_listed_service(name="Tension Suivi", slug="tension-suivi")
    store_logo(editor, service, "logo.svg", SVG)
    from authz.models import ClientKind
    from authz.services import create_client

    create_client(
        service,
        name="Tension Suivi",
        kind=ClientKind.PRODUCTION,
        client_id="prod-tension",
        redirect_uris=["https://tension.example/cb"],
        scope_ceiling="patient/Observation.rs",
    )
    applications = client.get("/.well-known/applications").get_json()["applications"]
    logo_uri = next(a["logo_uri"] for a in applications if a["service"] == "tension-suivi")
    assert logo_uri.startswith("http://localhost/catalogue/tension-suivi/logo")
    served = client.get(logo_uri)
    assert served.status_code == 200 and served.data == SVG
    assert served.mimetype == "image/svg+xml"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("public")
    assert (
        client.get(logo_uri, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    )
    path = logo_uri.removeprefix("http://localhost")
    for url in ("/catalogue", "/catalogue/tension-suivi"):
        body = client.get(url).get_data(as_text=True)
        assert f'src="{path.replace("&", "&amp;")}"' in body, url


def test_a_draft_services_logo_is_not_public(client, app_ctx):
    from catalogue.editor.services import store_logo
    from catalogue.models import ServiceStatus
    from ens_core.accounts.models import Role
    from tests.catalogue.editor.images import SVG
    from tests.factories import make_user

    service = make_listed_service(name="Brouillon", slug="brouillon", status=ServiceStatus.DRAFT)
    store_logo(make_user(Role.EDITOR), service, "logo.svg", SVG)
    assert client.get("/catalogue/brouillon/logo").status_code == 404
    assert client.get("/catalogue/inconnu/logo").status_code == 404
