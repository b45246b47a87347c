"""The demo catalogue: the newcomer's path works on `make run` data."""

from catalogue.public.demo import SERVICES
from catalogue.public.search import SearchCriteria, search_services
from ens_core.demo import load_demo


def test_demo_catalogue_is_browsable(client, app_ctx):
    load_demo()
    found = search_services(SearchCriteria(q="tension", ecoscore=["A", "B"]))
    assert [s.slug for s in found.items] == ["tension-suivi"]
    assert search_services(SearchCriteria(audience="minors")).total >= 3
    for slug in SERVICES:
        response = client.get(f"/catalogue/{slug}")
        assert response.status_code == 200, slug
    body = client.get("/catalogue/nordic-move").get_data(as_text=True)
    assert "Ce service est suspendu" in body and "1 janvier 2027" in body and "Norvège" in body
    assert "Derniers services référencés" in client.get("/").get_data(as_text=True)
