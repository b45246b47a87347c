"""Issue 15: a demo catalogue worth browsing — at least 24 listed services across every
theme, platform, price, audience and écoscore grade, each with a generated logo, scores and
both écoscores with their measurements."""

import csv
import io

import pytest

from catalogue.logos import LOGO_COLOURS, contrast_with_white, generated_logo_svg, initials
from catalogue.models import Audience, Category, Platform, PriceModel
from catalogue.public.search import SearchCriteria, search_services
from catalogue.public.vocabulary import ECOSCORE_GRADES, RESOURCE_LABELS
from ens_core.demo import load_demo, records_of

# The listings of catalogue.yaml: each measured a journey with a web page (both écoscores).
MEASURED_WEB_JOURNEYS = {fields["service"] for fields in records_of("listing")}


@pytest.fixture
def demo(app_ctx):
    load_demo()


def _csv_rows(client) -> list[dict]:
    body = client.get("/opendata/services.csv").get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def test_open_data_lists_at_least_24_services(client, demo):
    rows = _csv_rows(client)
    assert len(rows) >= 24
    assert sum(row["status"] == "referenced" for row in rows) >= 24


def test_every_filter_finds_something(demo):
    def found(**criteria) -> int:
        return search_services(SearchCriteria(per_page=100, **criteria)).total

    for category in Category:
        assert found(category=category.value), category
    for platform in Platform:
        assert found(platform=platform.value), platform
    for price in PriceModel:
        assert found(price=price.value), price
    for audience in Audience:
        assert found(audience=audience.value), audience
    for grade in ECOSCORE_GRADES[:5]:  # the national écoscore grades A to E
        assert found(ecoscore=[grade]), grade
    for resource in (r for r in RESOURCE_LABELS if r != "*"):
        assert found(reads=resource) or found(writes=resource), resource
    assert found(accessible=True) and found(q="vaccin") and found(q="diabete")


def test_every_listed_service_shows_its_logo_scores_and_both_ecoscores(client, demo):
    for row in _csv_rows(client):
        page = client.get(f"/catalogue/{row['slug']}").get_data(as_text=True)
        assert f'src="/catalogue/{row["slug"]}/logo?v=' in page, row["slug"]
        logo = client.get(f"/catalogue/{row['slug']}/logo")
        assert logo.status_code == 200 and logo.mimetype == "image/svg+xml", row["slug"]
        assert "Notes par domaine" in page, row["slug"]
        if row["slug"] in MEASURED_WEB_JOURNEYS:
            assert "Étapes du parcours mesuré" in page, row["slug"]
            assert "EcoIndex des pages web du parcours" in page, row["slug"]
    assert len(MEASURED_WEB_JOURNEYS) >= 20


def test_generated_logos_are_deterministic_and_readable():
    assert initials("Pédiatre Vidéo") == "PV" and initials("MamaFit") == "M"
    assert generated_logo_svg("Carnet Vaccins", "carnet-vaccins") == generated_logo_svg(
        "Carnet Vaccins", "carnet-vaccins"
    )
    svg = generated_logo_svg("<script>", "x").decode()
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    for colour in LOGO_COLOURS:
        assert contrast_with_white(colour) >= 4.5, colour
