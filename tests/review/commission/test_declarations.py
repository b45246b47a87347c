from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ens_core.db import db
from ens_core.notifications.models import Notification
from review.commission import policies, services
from review.commission.models import College, Section, Sector
from tests.factories import make_commission_session, make_member


def link(name="Acme", sector=Sector.OTHER, **extra):
    return {
        "section": Section.CONSULTING,
        "organisation_name": name,
        "organisation_siren": extra.get("siren"),
        "sector": sector,
        "nature": extra.get("nature", "Conseil"),
        "starts_on": extra.get("starts_on", date(2024, 1, 1)),
        "ends_on": extra.get("ends_on"),
        "amount_eur": extra.get("amount"),
    }


def test_declaration_is_required_before_the_first_session(app_ctx):
    member = make_member(declared=False)
    session = make_commission_session()
    assert "à déposer" in policies.sitting_refusal(member, session)
    services.file_declaration(member, [])
    assert policies.can_sit(member, session)


def test_stale_declaration_blocks_sitting_until_updated(app_ctx):
    member = make_member(declared=False)
    services.file_declaration(member, [], now=datetime.now(UTC) - timedelta(days=380))
    session = make_commission_session()
    assert "12 mois" in policies.sitting_refusal(member, session)
    services.file_declaration(member, [link()])
    assert policies.can_sit(member, session)


def test_versions_are_kept_and_diffable(app_ctx):
    member = make_member(declared=False)
    first = services.file_declaration(member, [link("Acme"), link("Globex")])
    second = services.file_declaration(member, [link("Acme"), link("Initech", amount=500)])
    assert [d.version for d in member.declarations] == [1, 2]
    assert [x.organisation_name for x in first.links] == ["Acme", "Globex"]
    diff = services.declaration_diff(first, second)
    added = [line for tag, line in diff if tag == "+"]
    removed = [line for tag, line in diff if tag == "-"]
    assert any("Initech" in line and "500 €" in line for line in added)
    assert any("Globex" in line for line in removed)
    assert not any("Acme" in line for line in added + removed)


def test_public_during_mandate_and_five_years_after(app_ctx):
    member = make_member(starts_on=date(2020, 1, 1))  # ends 2021-12-31
    assert services.declaration_is_public(member, date(2026, 12, 31))
    assert not services.declaration_is_public(member, date(2027, 1, 1))


def test_excluded_sector_links_during_the_mandate_are_flagged_to_the_chair(app_ctx):
    chair = make_member(College.CO_CHAIR)
    member = make_member(declared=False)
    declaration = services.file_declaration(
        member,
        [
            link("Pharmalab", Sector.PHARMA_MEDTECH, starts_on=date.today() - timedelta(days=10)),
            link(
                "Old Pharma",
                Sector.PHARMA_MEDTECH,
                starts_on=date(2010, 1, 1),
                ends_on=date(2012, 1, 1),
            ),
            link("Cloud Giant", Sector.LARGE_IT),
            link("Mairie", Sector.PUBLIC_BODY),
        ],
    )
    flagged = {x.organisation_name for x in services.excluded_sector_links(member, declaration)}
    assert flagged == {"Pharmalab", "Cloud Giant"}
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == chair.user_id)
    ).all()
    assert any(n.kind == "commission.excluded_sector" for n in notes)


def _undeclared_member_posts(client, form: dict):
    """A member without a declaration logs in and posts the declaration form."""
    from tests.factories import PASSWORD
    from tests.helpers import login, submit

    member = make_member(declared=False)
    login(client, member.user.email, PASSWORD)
    return member, submit(client, "/commission/declaration", form)


def test_declaration_form_files_a_new_version(client, app_ctx):
    member, response = _undeclared_member_posts(
        client,
        {
            "links-0-section": "boards",
            "links-0-organisation_name": "Santé Connect SAS",
            "links-0-organisation_siren": "732829320",
            "links-0-sector": "ehealth_editor",
            "links-0-nature": "Administrateur",
            "links-0-starts_on": "2024-01-01",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.latest_declaration.links[0].organisation_siren == "732829320"
    public = client.get(f"/commission/membres/{member.id}/declaration")
    assert "Santé Connect SAS" in public.get_data(as_text=True)


def test_declaration_form_explains_errors(client, app_ctx):
    member, response = _undeclared_member_posts(
        client,
        {"links-0-organisation_name": "Acme", "links-0-organisation_siren": "12", "confirm": "on"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "9 chiffres" in body
    assert member.latest_declaration is None


def test_public_declaration_page_needs_no_login_and_shows_the_diff(client, app_ctx):
    member = make_member(declared=False)
    services.file_declaration(member, [link("Acme")])
    services.file_declaration(member, [link("Acme"), link("Globex")])
    body = client.get(f"/commission/membres/{member.id}/declaration").get_data(as_text=True)
    assert "Globex" in body and "Ajouté" in body
    old = client.get(f"/commission/membres/{member.id}/declaration?version=1").get_data(
        as_text=True
    )
    assert "Globex" not in old
    assert client.get("/commission/membres").status_code == 200


def test_declaration_of_a_long_gone_member_is_not_public(client, app_ctx):
    member = make_member(starts_on=date(2012, 1, 1))
    assert client.get(f"/commission/membres/{member.id}/declaration").status_code == 404
    assert client.get("/commission/membres/999999/declaration").status_code == 404


def test_declaration_form_ignores_a_tampered_row_count(client, app_ctx):
    from tests.factories import PASSWORD
    from tests.helpers import login, submit

    member = make_member(declared=False)
    login(client, member.user.email, PASSWORD)
    response = submit(client, "/commission/declaration", {"rows": "many", "confirm": "on"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [d.links for d in member.declarations] == [[]]  # an empty declaration, filed
