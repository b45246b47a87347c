from datetime import date, timedelta

from catalogue.editor import services
from catalogue.models import Organisation, ServiceStatus
from catalogue.services import get_service_by_slug, hosting_countries, hosting_on, owners_on
from ens_core.db import db
from ens_core.demo import load_demo, records_of
from ens_core.security import secret_matches
from tests.helpers import login

SERVICES = [fields["slug"] for fields in records_of("service")]


def test_demo_editors_services_and_declarations(app_ctx):
    load_demo()
    assert len(SERVICES) == 38  # 16 in the story (editors.yaml), 22 more in catalogue.yaml
    for slug in SERVICES:
        service = get_service_by_slug(slug)
        # Later loaders (decisions, sovereignty) reference or suspend some of them.
        assert service.status in {
            ServiceStatus.DRAFT,
            ServiceStatus.REFERENCED,
            ServiceStatus.SUSPENDED,
        }
        assert service.long_description and service.categories and service.website_url
        client = services.sandbox_client(service)
        assert client.client_id == f"sandbox-{slug}"
        assert secret_matches(f"sandbox-{slug}-secret", client.secret_hash)
        assert hosting_on(service)
    glyco = hosting_on(get_service_by_slug("journal-sante"))[0]
    assert glyco.hds_certificate_expiry == date.today() + timedelta(days=30)
    assert hosting_countries(get_service_by_slug("nordic-move")) == ["NO"]
    assert hosting_countries(get_service_by_slug("mamacare")) == ["DE"]
    assert hosting_countries(get_service_by_slug("respire-mieux")) == ["FR"]
    brightpath = db.session.scalar(
        db.select(Organisation).where(Organisation.legal_name == "BrightPath Santé SAS")
    )
    (owner,) = owners_on(brightpath)
    assert (owner.entity_name, owner.country, owner.share_percent) == (
        "BrightPath Holdings Inc.",
        "US",
        70.0,
    )


def test_demo_editors_see_their_portal_pages(app, app_ctx):
    load_demo()
    for email, slug in [
        ("editeur@demo.ens", "glyco-carnet"),
        ("editeur.mamacare@demo.ens", "mamacare"),
        ("editeur.nordic@demo.ens", "nordic-move"),
        ("editeur.brightpath@demo.ens", "respire-mieux"),
    ]:
        client = app.test_client()
        assert login(client, email, "editeur-demo-2026").status_code == 302
        service = get_service_by_slug(slug)
        home = client.get("/editeur").get_data(as_text=True)
        assert service.name in home
        organisation = client.get("/editeur/organisation", follow_redirects=True)
        assert organisation.status_code == 200
        org_id = service.organisation_id
        for url in [
            "/editeur/services",
            "/editeur/services/nouveau",
            f"/editeur/services/{service.id}",
            f"/editeur/services/{service.id}/modifier",
            f"/editeur/services/{service.id}/bac-a-sable",
            f"/editeur/services/{service.id}/hebergement",
            f"/editeur/organisations/{org_id}/modifier",
            f"/editeur/organisations/{org_id}/actionnaires",
        ]:
            assert client.get(url).status_code == 200, (email, url)
    client = app.test_client()
    login(client, "editeur@demo.ens", "editeur-demo-2026")
    home = client.get("/editeur").get_data(as_text=True)
    assert "Renouveler le certificat HDS" in home  # Glyco Carnet's expires in 30 days
