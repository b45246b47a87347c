"""The demo catalogue: the newcomer's path works on `make run` data."""

from sqlalchemy import select

from catalogue.models import Service, ServiceStatus
from catalogue.public.search import SearchCriteria, search_services
from catalogue.services import get_service_by_slug
from ens_core.db import db
from ens_core.demo import load_demo, records_of

SERVICES = [fields["slug"] for fields in records_of("service")]


def test_demo_catalogue_is_browsable(client, app_ctx):
    load_demo()
    found = search_services(SearchCriteria(q="tension", ecoscore=["A", "B"]))
    assert [s.slug for s in found.items] == ["tension-suivi"]
    listed = [
        s
        for s in db.session.scalars(select(Service))
        if s.status in (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED)
    ]
    for_minors = {s.slug for s in listed if "minors" in s.audiences}
    found = search_services(SearchCriteria(audience="minors", per_page=100))
    assert for_minors and {s.slug for s in found.items} == for_minors
    for slug in SERVICES:
        service = get_service_by_slug(slug)
        expected = 200 if service in listed else 404
        assert client.get(f"/catalogue/{slug}").status_code == expected, slug
    # Norway is in the EEA: Nordic Move is listed; BrightPath's US buyout suspended Respire Mieux.
    assert "Norvège" in client.get("/catalogue/nordic-move").get_data(as_text=True)
    body = client.get("/catalogue/respire-mieux").get_data(as_text=True)
    assert "Ce service est suspendu" in body and "BrightPath" in body
    assert "Derniers services référencés" in client.get("/").get_data(as_text=True)
