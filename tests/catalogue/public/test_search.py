"""Search over the public catalogue (runs on SQLite FTS5 and PostgreSQL full-text)."""

from datetime import UTC, datetime

import pytest

from catalogue.models import DataPurpose, ServiceStatus
from catalogue.public.search import SearchCriteria, normalise, search_services
from ens_core.db import db
from tests.factories import make_listed_service, make_organisation, make_service


def slugs(**criteria):
    return [s.slug for s in search_services(SearchCriteria(**criteria)).items]


def test_normalise_removes_accents_case_and_punctuation():
    assert normalise("Santé-Connect SAS") == "sante connect sas"
    assert normalise("  ÉLÉPHANT  cœur ") == "elephant coeur"


def test_keywords_ignore_accents_and_case(app_ctx):
    make_listed_service(name="Journal Santé", slug="journal-sante")
    make_listed_service(name="Tension Suivi", slug="tension-suivi")
    assert slugs(q="sante") == ["journal-sante"]
    assert slugs(q="SANTÉ") == ["journal-sante"]
    assert slugs(q="tension") == ["tension-suivi"]
    assert slugs(q="tens") == ["tension-suivi"]  # prefixes match while typing


def test_keywords_search_editor_descriptions_and_categories(app_ctx):
    org = make_organisation(legal_name="MamaCare GmbH")
    make_listed_service(org, name="Bébé Croissance", slug="bebe-croissance")
    make_listed_service(
        name="Respire Mieux",
        slug="respire-mieux",
        long_description="Exercices de respiration pour l'asthme.",
    )
    make_listed_service(
        name="Pas à Pas", slug="pas-a-pas", categories=["nutrition_activity"], short_description=""
    )
    make_listed_service(
        name="Mind Balance", slug="mind-balance", long_description_en="Mindfulness sessions."
    )
    assert slugs(q="mamacare") == ["bebe-croissance"]
    assert slugs(q="asthme") == ["respire-mieux"]
    assert slugs(q="activite physique") == ["pas-a-pas"]
    assert slugs(q="physical activity") == ["pas-a-pas"]  # category words in English too
    assert slugs(q="mindfulness") == ["mind-balance"]
    assert slugs(q="asthme mamacare") == []  # every word must match


def test_name_matches_rank_before_description_matches(app_ctx):
    make_listed_service(
        name="Carnet Vital", slug="carnet", long_description="Suivi du sommeil et de la tension."
    )
    make_listed_service(name="Sommeil Serein", slug="sommeil-serein")
    assert slugs(q="sommeil") == ["sommeil-serein", "carnet"]


def test_only_referenced_and_suspended_services_are_listed(app_ctx):
    make_listed_service(name="Listé A", slug="liste-a")
    make_listed_service(name="Listé B", slug="liste-b", status=ServiceStatus.SUSPENDED)
    make_listed_service(name="Listé C", slug="liste-c", status=ServiceStatus.DELISTED)
    make_service(name="Listé D", slug="liste-d")  # draft
    assert slugs(q="liste") == ["liste-a", "liste-b"]
    assert slugs() == ["liste-a", "liste-b"]


def test_filters(app_ctx):
    make_listed_service(
        name="Alpha",
        slug="alpha",
        categories=["chronic_disease"],
        platforms=["ios", "android"],
        audiences=["adults", "minors"],
        price_model="reimbursed",
        ecoscore_grade="A",
        accessibility_statement_url="https://alpha.example/accessibilite",
        data_uses=[
            ("patient/Observation.rs", DataPurpose.CARE, 365),
            ("patient/DocumentReference.c", DataPurpose.CARE, 30),
        ],
    )
    make_listed_service(
        name="Beta",
        slug="beta",
        categories=["prevention"],
        platforms=["web"],
        audiences=["adults"],
        price_model="free",
        ecoscore_grade="C",
        data_uses=[("patient/Observation.write", DataPurpose.PREVENTION, 90)],
    )
    assert slugs(category="chronic_disease") == ["alpha"]
    assert slugs(platform="web") == ["beta"]
    assert slugs(audience="minors") == ["alpha"]
    assert slugs(price="free") == ["beta"]
    assert slugs(ecoscore=["A", "B"]) == ["alpha"]
    assert slugs(ecoscore=["A", "C"]) == ["alpha", "beta"]
    assert slugs(accessible=True) == ["alpha"]
    assert slugs(reads="Observation") == ["alpha"]
    assert slugs(writes="Observation") == ["beta"]
    assert slugs(writes="DocumentReference") == ["alpha"]
    assert slugs(q="alpha", platform="web") == []
    assert slugs(category="chronic_disease", ecoscore=["A"], q="alp") == ["alpha"]


def test_sorts(app_ctx):
    for name, slug, grade, value, referenced_on in [
        ("Zèbre", "zebre", "A", 90, datetime(2026, 3, 1, tzinfo=UTC)),
        ("Écoute", "ecoute", "C", 50, datetime(2026, 5, 1, tzinfo=UTC)),
        ("Abri", "abri", "A", 95, datetime(2026, 1, 1, tzinfo=UTC)),
        ("Mésange", "mesange", None, None, datetime(2025, 6, 1, tzinfo=UTC)),
    ]:
        make_listed_service(
            name=name,
            slug=slug,
            ecoscore_grade=grade,
            ecoscore_value=value,
            referenced_at=referenced_on,
        )
    # Alphabetical ignores accents ("Écoute" between "Abri" and "Mésange").
    assert slugs(sort="name") == ["abri", "ecoute", "mesange", "zebre"]
    assert slugs() == ["abri", "ecoute", "mesange", "zebre"]  # default without keywords
    assert slugs(sort="recent") == ["ecoute", "zebre", "abri", "mesange"]
    assert slugs(sort="ecoscore") == ["abri", "zebre", "ecoute", "mesange"]


def test_pagination_and_count(app_ctx):
    for n in range(7):
        make_listed_service(name=f"Page Test {n}", slug=f"page-test-{n}")
    first = search_services(SearchCriteria(q="page test", per_page=3, sort="name"))
    assert first.total == 7 and first.pages == 3
    assert [s.slug for s in first.items] == ["page-test-0", "page-test-1", "page-test-2"]
    last = search_services(SearchCriteria(q="page test", per_page=3, page=3, sort="name"))
    assert [s.slug for s in last.items] == ["page-test-6"]
    beyond = search_services(SearchCriteria(q="page test", per_page=3, page=9))
    assert beyond.items == [] and beyond.total == 7


def test_index_follows_changes_to_services_editors_and_data_uses(app_ctx):
    org = make_organisation(legal_name="Ancien Nom SAS")
    service = make_listed_service(org, name="Glyco Carnet", slug="glyco-carnet", data_uses=[])
    assert slugs(q="glyco") == ["glyco-carnet"]
    service.name = "Glycémie Facile"
    db.session.flush()
    assert slugs(q="glyco") == [] and slugs(q="glycemie") == ["glyco-carnet"]
    org.legal_name = "Nouveau Nom SAS"
    db.session.flush()
    assert slugs(q="nouveau") == ["glyco-carnet"] and slugs(q="ancien") == []
    assert slugs(reads="Immunization") == []
    from catalogue.models import ServiceDataUse

    db.session.add(
        ServiceDataUse(
            service_id=service.id,
            scope="patient/Immunization.read",
            purpose=DataPurpose.PREVENTION,
            retention_days=30,
        )
    )
    db.session.flush()
    assert slugs(reads="Immunization") == ["glyco-carnet"]
    service.status = ServiceStatus.DELISTED
    db.session.flush()
    assert slugs(q="glycemie") == []


@pytest.mark.parametrize("query", ['"', "*", "AND OR NOT", "a:b", "(", "NEAR(x y)", "-x"])
def test_search_syntax_characters_are_plain_text(app_ctx, query):
    make_listed_service(name="Robuste", slug="robuste")
    assert isinstance(search_services(SearchCriteria(q=query)).total, int)
