from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from authz.models import AuthMethod, ClientKind
from catalogue.editor import services
from catalogue.editor.models import Invitation
from catalogue.models import HostingDeclaration, OwnerDeclaration
from catalogue.services import hosting_on, is_member, owners_on
from ens_core.accounts.models import Role
from ens_core.db import db, utcnow
from ens_core.security import hash_secret, secret_matches
from ens_core.signals import declaration_recorded
from tests.catalogue.editor.images import SVG, png
from tests.factories import make_organisation, make_service, make_user

LISTING = {
    "name": "Tension Suivi",
    "short_description": "Carnet d'automesure tensionnelle.",
    "long_description": "Un carnet d'automesure tensionnelle complet, partagé avec le médecin.",
    "categories": ["chronic_disease"],
    "platforms": ["web"],
    "audiences": ["adults"],
    "price_model": "free",
    "website_url": "https://tension.example/",
    "privacy_policy_url": "https://tension.example/confidentialite",
}


@pytest.fixture
def editor(app_ctx):
    return make_user(Role.EDITOR)


@pytest.fixture
def organisation(editor):
    return make_organisation(editor)


# --- services, slugs, sandbox clients -----------------------------------------------------


def test_creating_a_service_gives_a_sandbox_client_with_a_hashed_secret(editor, organisation):
    service, client, secret = services.create_service(editor, organisation, LISTING)
    assert service.slug == "tension-suivi"
    assert client.kind is ClientKind.SANDBOX
    assert client.service_id == service.id
    assert client.token_endpoint_auth_method is AuthMethod.CLIENT_SECRET_BASIC
    assert len(secret) >= 40
    assert client.secret_hash == hash_secret(secret)
    assert secret not in client.secret_hash
    assert set(client.scope_ceiling.split()) == set(services.SANDBOX_SCOPE_CEILING.split())
    assert "patient/Appointment.cud" in client.scope_ceiling.split()


def test_slugs_are_generated_unique_and_checked(editor, organisation):
    first, _, _ = services.create_service(editor, organisation, LISTING)
    second, _, _ = services.create_service(editor, organisation, LISTING)
    assert (first.slug, second.slug) == ("tension-suivi", "tension-suivi-2")
    assert services.slugify("Bébé Croissance & Co !") == "bebe-croissance-co"
    with pytest.raises(services.EditorError) as error:
        services.create_service(editor, organisation, {**LISTING, "slug": "tension-suivi"})
    assert error.value.field == "slug"
    with pytest.raises(services.EditorError):
        services.update_service(editor, second, {**LISTING, "slug": "tension-suivi"})
    services.update_service(editor, second, {**LISTING, "slug": "tension-suivi-pro"})
    assert second.slug == "tension-suivi-pro"


def test_regenerating_the_secret_invalidates_the_old_one(editor, organisation):
    _service, client, old = services.create_service(editor, organisation, LISTING)
    new = services.regenerate_secret(editor, client)
    assert new != old
    assert secret_matches(new, client.secret_hash)
    assert not secret_matches(old, client.secret_hash)


def test_switching_to_public_drops_the_secret_and_back_issues_a_new_one(editor, organisation):
    _service, client, old = services.create_service(editor, organisation, LISTING)
    assert (
        services.configure_sandbox_client(
            editor, client, auth_method=AuthMethod.NONE, redirect_uris=["http://127.0.0.1/cb"]
        )
        is None
    )
    assert client.secret_hash is None and client.redirect_uris == ["http://127.0.0.1/cb"]
    with pytest.raises(services.EditorError):
        services.regenerate_secret(editor, client)
    new = services.configure_sandbox_client(
        editor, client, auth_method=AuthMethod.CLIENT_SECRET_BASIC, redirect_uris=[]
    )
    assert secret_matches(new, client.secret_hash) and not secret_matches(old, client.secret_hash)


# --- invitations ----------------------------------------------------------------------------


def test_invitation_is_stored_hashed_and_used_once(editor, organisation):
    invitation, token = services.invite_colleague(editor, organisation, "Collegue@Example.fr")
    assert invitation.email == "collegue@example.fr"
    assert invitation.token_hash == hash_secret(token) and token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    colleague = make_user(Role.CITIZEN, email="collegue@example.fr")
    assert services.find_invitation(token) is invitation
    services.accept_invitation(colleague, invitation)
    assert is_member(colleague, organisation)
    assert colleague.has_role(Role.EDITOR)
    assert services.find_invitation(token) is None  # single use
    with pytest.raises(services.EditorError):
        services.accept_invitation(colleague, invitation)


def test_expired_or_revoked_invitations_no_longer_work(editor, organisation):
    past = utcnow() - timedelta(days=8)
    _, old_token = services.invite_colleague(editor, organisation, "a@example.fr", now=past)
    assert services.find_invitation(old_token) is None
    invitation, token = services.invite_colleague(editor, organisation, "b@example.fr")
    assert services.pending_invitations(organisation) == [invitation]
    services.revoke_invitation(editor, invitation)
    assert services.find_invitation(token) is None
    assert services.pending_invitations(organisation) == []


def test_invitation_is_bound_to_its_email(editor, organisation):
    invitation, _ = services.invite_colleague(editor, organisation, "invited@example.fr")
    intruder = make_user(Role.EDITOR)
    with pytest.raises(services.EditorError):
        services.accept_invitation(intruder, invitation)
    assert not is_member(intruder, organisation)


def test_a_new_invitation_replaces_the_pending_one_and_members_are_not_reinvited(
    editor, organisation
):
    _first, first_token = services.invite_colleague(editor, organisation, "c@example.fr")
    _, second_token = services.invite_colleague(editor, organisation, "c@example.fr")
    assert services.find_invitation(first_token) is None
    assert services.find_invitation(second_token) is not None
    with pytest.raises(services.EditorError):
        services.invite_colleague(editor, organisation, editor.email)
    count = db.session.scalar(select(func.count()).select_from(Invitation))
    assert count == 2


# --- declarations ---------------------------------------------------------------------------


def test_hosting_change_closes_the_current_row_and_keeps_history(editor, organisation):
    service = make_service(organisation)
    seen = []

    def listener(sender, **sent):
        seen.append((sent["services"][0], sent["declaration"].id))

    with declaration_recorded.connected_to(listener, current_app._get_current_object()):
        first = services.declare_hosting(
            editor,
            service,
            {"provider": "OVHcloud", "country": "FR", "effective_from": date(2024, 1, 1)},
        )
        second = services.declare_hosting(
            editor,
            service,
            {
                "provider": "Green Mountain",
                "country": "NO",
                "effective_from": date(2025, 6, 1),
                "replaces_id": first.id,
            },
        )
    assert first.effective_to == date(2025, 6, 1)
    assert seen == [(service, first.id), (service, second.id)]
    assert hosting_on(service, date(2025, 5, 31)) == [first]
    assert hosting_on(service, date(2025, 6, 1)) == [second]
    assert services.hosting_history(service) == [second, first]
    assert (first.provider, first.country) == ("OVHcloud", "FR")  # never overwritten


def test_hosting_cannot_replace_a_closed_or_foreign_row(editor, organisation):
    service = make_service(organisation)
    other = make_service()
    foreign = services.declare_hosting(
        editor, other, {"provider": "X", "country": "FR", "effective_from": date(2024, 1, 1)}
    )
    with pytest.raises(services.EditorError) as error:
        services.declare_hosting(
            editor,
            service,
            {
                "provider": "Y",
                "country": "FR",
                "effective_from": date(2025, 1, 1),
                "replaces_id": foreign.id,
            },
        )
    assert error.value.field == "replaces_id"
    assert foreign.effective_to is None
    mine = services.declare_hosting(
        editor, service, {"provider": "Z", "country": "FR", "effective_from": date(2024, 1, 1)}
    )
    with pytest.raises(services.EditorError):
        services.declare_hosting(
            editor,
            service,
            {
                "provider": "Z2",
                "country": "FR",
                "effective_from": date(2023, 1, 1),
                "replaces_id": mine.id,
            },
        )
    services.end_hosting(editor, service, mine, date(2025, 1, 1))
    assert hosting_on(service, date(2025, 1, 2)) == []
    with pytest.raises(services.EditorError):
        services.end_hosting(editor, service, mine, date(2026, 1, 1))


def test_owner_declarations_keep_history_and_cap_shares(editor, organisation):
    owner = services.declare_owner(
        editor,
        organisation,
        {
            "entity_name": "BrightPath Holdings Inc.",
            "country": "US",
            "share_percent": 70.0,
            "declared_control": True,
            "effective_from": date(2024, 1, 1),
        },
    )
    with pytest.raises(services.EditorError) as error:
        services.declare_owner(
            editor,
            organisation,
            {
                "entity_name": "Autre",
                "country": "FR",
                "share_percent": 40.0,
                "effective_from": date(2024, 6, 1),
            },
        )
    assert error.value.field == "share_percent"
    successor = services.declare_owner(
        editor,
        organisation,
        {
            "entity_name": "BrightPath Europe SE",
            "country": "IE",
            "share_percent": 70.0,
            "declared_control": True,
            "effective_from": date(2025, 3, 1),
            "replaces_id": owner.id,
        },
    )
    assert owner.effective_to == date(2025, 3, 1)
    assert owners_on(organisation, date(2025, 2, 1)) == [owner]
    assert owners_on(organisation) == [successor]
    assert db.session.scalar(select(func.count()).select_from(OwnerDeclaration)) == 2
    assert services.owner_history(organisation) == [successor, owner]


# --- logos ----------------------------------------------------------------------------------

PNG = png()


def test_good_logos_are_accepted_and_stored_outside_the_web_root(app, editor, organisation):
    assert services.check_logo("logo.png", PNG) == "png"
    assert services.check_logo("logo.SVG", SVG) == "svg"
    service = make_service(organisation)
    services.store_logo(editor, service, "logo.svg", SVG)
    path, mimetype = services.logo_file(service)
    assert mimetype == "image/svg+xml"
    assert str(path).startswith(str(app.config["ENS_DATA_DIR"]))
    assert path.read_bytes() == SVG


@pytest.mark.parametrize(
    ("filename", "data", "fragment"),
    [
        ("logo.svg", PNG, "ne correspond pas"),  # a PNG renamed .svg
        ("logo.png", SVG, "ne correspond pas"),
        ("logo.png", PNG + b"\x00" * (512 * 1024), "512 Ko"),
        ("logo.gif", b"GIF89a", "PNG ou SVG"),
        ("logo.png", PNG[:-6], "endommagé"),  # truncated
        ("logo.png", PNG[:29] + bytes([PNG[29] ^ 0xFF]) + PNG[30:], "endommagé"),  # bad IHDR CRC
        ("logo.png", PNG + b"<script>alert(1)</script>", "endommagé"),  # trailing polyglot
        ("logo.png", png(20000, 1), "4096"),
        ("logo.svg", b"<html><body>hi</body></html>", "ni une image"),
        ("logo.svg", b"not xml at all", "ni une image"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "interdit",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            "gestionnaire",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "interdit",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<use x:href="https://evil.example/a.svg#i"/></svg>',
            "externe",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
            "externe",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://e.example/x.css);</style></svg>',
            "externe",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/p)"/></svg>',
            "externe",
        ),
        (
            "logo.svg",
            b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
            "ni une image",
        ),
    ],
)
def test_bad_logos_are_refused_by_content(app_ctx, filename, data, fragment):
    with pytest.raises(services.LogoError) as error:
        services.check_logo(filename, data)
    assert fragment in error.value.message


def test_declaration_rows_are_only_added(editor, organisation):
    service = make_service(organisation)
    services.declare_hosting(
        editor, service, {"provider": "A", "country": "FR", "effective_from": date(2024, 1, 1)}
    )
    services.declare_hosting(
        editor, service, {"provider": "B", "country": "DE", "effective_from": date(2024, 1, 1)}
    )
    assert {h.provider for h in hosting_on(service)} == {"A", "B"}
    assert db.session.scalar(select(func.count()).select_from(HostingDeclaration)) == 2
