"""GET/POST /oauth/authorize: client and redirect checks, PKCE, scopes, consent screen."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from authz.consent import grant_of
from authz.models import ClientKind
from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from ens_core.db import db
from tests.authz.flow import (
    REDIRECT,
    authorize_path,
    consent,
    get_code,
    login_citizen,
    pkce,
    public_client,
    query_of,
)
from tests.factories import make_user
from tests.helpers import local_date_fr, visible_text


def _signed_in_path(client, citizen, client_id: str, scope: str, **params) -> str:
    """``citizen`` signs in; the authorization request of ``client_id`` for ``scope``, with a
    fresh PKCE challenge (``params`` as ``authorize_path`` takes them)."""
    login_citizen(client, citizen)
    _, challenge = pkce()
    return authorize_path(client_id, scope, challenge, **params)


def test_anonymous_user_is_sent_to_login_first(client, public):
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Observation.rs", challenge))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_unknown_client_is_explained_here_not_redirected(client, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path("nope", "patient/Observation.rs", challenge))
    assert response.status_code == 400
    assert "invalid_client" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "redirect",
    [
        "http://127.0.0.1:8765/callback/",  # trailing slash
        "http://127.0.0.1:8765/callback/../evil",
        "http://127.0.0.1:8765/callbackx",  # prefix
        "http://127.0.0.1:8765/CALLBACK",  # case
        "HTTP://127.0.0.1:8765/callback",  # scheme case
        "http://127.0.0.1:8765/callback?x=1",
        "http://127.0.0.1:8766/callback",
        "https://evil.example/callback",
    ],
)
def test_redirect_uri_must_match_exactly(client, public, citizen, redirect):
    path = _signed_in_path(
        client, citizen, public.client_id, "patient/Observation.rs", redirect=redirect
    )
    response = client.get(path)
    assert response.status_code == 400  # never redirected to an unregistered URI
    assert "Location" not in response.headers


def test_http_redirect_is_refused_for_non_loopback_hosts(client, service, citizen):
    oauth_client = public_client(service, redirect="http://app.example/callback")
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(
        oauth_client.client_id,
        "patient/Observation.rs",
        challenge,
        redirect="http://app.example/callback",
    )
    assert client.get(path).status_code == 400


@pytest.mark.parametrize(
    ("challenge_kwargs", "expected"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
    ],
)
def test_pkce_s256_is_mandatory(client, public, citizen, challenge_kwargs, expected):
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge)
    for key, value in challenge_kwargs.items():
        # Rebuild with the parameter changed or removed.
        from urllib.parse import parse_qsl, urlencode

        params = dict(parse_qsl(path.split("?", 1)[1]))
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
        path = "/oauth/authorize?" + urlencode(params)
    response = client.get(path)
    assert response.status_code == 302
    query = query_of(response)
    assert query["error"] == expected
    assert query["state"] == "st4te"
    assert query["iss"] == "http://127.0.0.1:5000"


def test_implicit_flow_is_not_supported(client, public, citizen):
    path = _signed_in_path(
        client, citizen, public.client_id, "patient/Observation.rs", response_type="token"
    )
    response = client.get(path)
    assert query_of(response)["error"] == "unsupported_response_type"


def test_unknown_scope_is_invalid_scope(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Everything.cruds", challenge))
    assert query_of(response)["error"] == "invalid_scope"


def test_scope_beyond_ceiling_is_neither_shown_nor_granted(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(
        public.client_id, "patient/Observation.rs patient/DocumentReference.rs", challenge
    )
    page = client.get(path).get_data(as_text=True)
    assert 'value="patient/Observation.rs"' in page
    assert 'value="patient/DocumentReference.rs"' not in page
    consent(client, path)
    assert grant_of(citizen, public_service(public)).scopes == "patient/Observation.rs"


def test_only_beyond_ceiling_scopes_is_invalid_scope(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Appointment.rs", challenge))
    assert query_of(response)["error"] == "invalid_scope"


def public_service(oauth_client):
    from catalogue.services import get_service

    return get_service(oauth_client.service_id)


def test_consent_screen_shows_purpose_retention_hosting_and_decision_date(
    client, public, citizen, service
):
    login_citizen(client, citizen)
    _, challenge = pkce()
    page = client.get(
        authorize_path(public.client_id, "patient/Observation.rs offline_access", challenge)
    ).get_data(as_text=True)
    text = visible_text(page)
    # One plain sentence per permission, as the catalogue and the connected-services page.
    assert (
        "Il peut lire vos mesures et résultats (tension, poids, glycémie…)."
        " Pourquoi : Soins. Il les garde au plus 1 an."
    ) in text
    assert "Données hébergées en France" in text
    assert local_date_fr(service.referenced_at) in text
    assert "Vous pourrez arrêter à tout moment dans Mon espace › Services connectés" in text
    assert 'href="/espace/services"' in page
    assert f'href="/catalogue/{service.slug}"' in page
    # Scope codes only inside the "Détails techniques" disclosure.
    outside = visible_text(re.sub(r"<details.*?</details>", "", page, flags=re.S))
    assert "patient/" not in outside and "offline_access" not in outside
    assert "<summary>Détails techniques</summary>" in page
    assert "patient/Observation.rs" in text
    # offline_access asked: the long duration is preselected.
    assert 'id="duration-long" name="duration" value="long" checked' in page
    assert 'name="csrf_token"' in page


def test_consent_screen_in_english_names_countries_and_dates_in_english(
    client, public, citizen, service
):
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge) + "&lang=en"
    text = visible_text(client.get(path).get_data(as_text=True))
    assert "France" in text and "/20" not in text
    assert "It may read your measurements and results" in text
    assert "Why: Care. It keeps them for 1 year at most." in text


def test_without_offline_access_one_time_is_preselected(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    page = client.get(
        authorize_path(public.client_id, "patient/Observation.rs", challenge)
    ).get_data(as_text=True)
    assert 'id="duration-once" name="duration" value="one_time" checked' in page


def test_consent_form_requires_csrf(client, public, citizen):
    path = _signed_in_path(client, citizen, public.client_id, "patient/Observation.rs")
    response = client.post(path, data={"decision": "allow", "scopes": ["patient/Observation.rs"]})
    assert response.status_code == 400
    assert grant_of(citizen, public_service(public)) is None


def test_refusal_redirects_access_denied_with_state_and_iss(client, public, citizen):
    path = _signed_in_path(client, citizen, public.client_id, "patient/Observation.rs")
    response = consent(client, path, decision="deny")
    query = query_of(response)
    assert response.headers["Location"].startswith(REDIRECT)
    assert query["error"] == "access_denied"
    assert query["state"] == "st4te"
    assert query["iss"] == "http://127.0.0.1:5000"
    assert grant_of(citizen, public_service(public)) is None


def test_unticking_narrows_the_grant(client, public, citizen):
    code, _, query = get_code(
        client,
        public,
        "patient/Observation.rs patient/Observation.cu launch/patient",
        citizen=citizen,
        scopes=["patient/Observation.rs"],
    )
    assert code and query["iss"] == "http://127.0.0.1:5000"
    grant = grant_of(citizen, public_service(public))
    assert grant.scopes == "patient/Observation.rs launch/patient"


def test_unticking_everything_is_a_refusal(client, public, citizen):
    _, _, query = get_code(client, public, "patient/Observation.rs", citizen=citizen, scopes=[])
    assert query["error"] == "access_denied"


def test_sandbox_client_cannot_act_on_a_real_citizen(client, service, citizen):
    sandbox = public_client(service, kind=ClientKind.SANDBOX)
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path(sandbox.client_id, "patient/Observation.rs", challenge))
    assert query_of(response)["error"] == "access_denied"


def test_sandbox_client_works_on_a_synthetic_citizen_and_production_does_not(
    client, service, public
):
    synthetic = make_user(Role.CITIZEN, is_synthetic=True)
    sandbox = public_client(service, kind=ClientKind.SANDBOX)
    code, _, _ = get_code(client, sandbox, "patient/Observation.rs", citizen=synthetic)
    assert code
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Observation.rs", challenge))
    assert query_of(response)["error"] == "access_denied"


def _back_link(page: str) -> dict:
    """The query of the page's "back to the app" link (what the app finally receives)."""
    import html

    href = html.unescape(re.search(r'<a class="button[^"]*" href="([^"]+)"', page).group(1))
    assert href.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (ServiceStatus.SUSPENDED, "est suspendu par l'autorité de référencement"),
        (ServiceStatus.DELISTED, "n'est plus référencé"),
    ],
)
def test_suspended_or_delisted_service_is_explained_on_ens_first(
    client, public, citizen, service, status, why
):
    """Defect 5: the citizen learns on ENS why, before anything goes back to the app."""
    service.status = status
    service.status_reason = "Hébergement hors de l'Union européenne."
    db.session.flush()
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Observation.rs", challenge))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert f"{service.name} {why}" in text
    assert "Aucune donnée n'a été partagée" in text
    if status is ServiceStatus.SUSPENDED:
        assert "Hébergement hors de l'Union européenne." in text
    back = _back_link(page)
    assert back["error"] == "unauthorized_client" and back["state"] == "st4te"
    assert grant_of(citizen, service) is None
    # An app that asked for no interaction still gets its answer at once.
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge, prompt="none")
    assert query_of(client.get(path))["error"] == "unauthorized_client"


def test_disabled_client_is_explained_on_ens_first(client, public, citizen):
    public.is_enabled = False
    db.session.flush()
    login_citizen(client, citizen)
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Observation.rs", challenge))
    assert response.status_code == 403
    assert "n'est plus autorisée" in visible_text(response.get_data(as_text=True))
    assert _back_link(response.get_data(as_text=True))["error"] == "unauthorized_client"


def test_non_citizen_account_cannot_consent(client, public):
    editor = make_user(Role.EDITOR)
    login_citizen(client, editor)
    _, challenge = pkce()
    response = client.get(authorize_path(public.client_id, "patient/Observation.rs", challenge))
    assert response.status_code == 403


def test_prompt_none_never_shows_a_screen(client, public, citizen):
    _, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge, prompt="none")
    assert query_of(client.get(path))["error"] == "login_required"
    login_citizen(client, citizen)
    assert query_of(client.get(path))["error"] == "consent_required"


def test_guardian_cannot_consent_for_someone_they_do_not_represent(client, public, citizen):
    stranger = make_user(Role.CITIZEN)
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge)
    response = consent(client, path, acting_for=str(stranger.id))
    assert response.status_code == 400
    assert grant_of(stranger, public_service(public)) is None


def test_sandbox_client_of_a_draft_service_serves_synthetic_citizens(client):
    from tests.authz.flow import exchange
    from tests.factories import make_service

    draft = make_service()
    assert draft.status is ServiceStatus.DRAFT
    sandbox = public_client(draft, kind=ClientKind.SANDBOX)
    production = public_client(draft)
    synthetic = make_user(Role.CITIZEN, is_synthetic=True)
    code, verifier, _ = get_code(client, sandbox, "patient/Observation.rs", citizen=synthetic)
    assert exchange(client, sandbox, code, verifier).status_code == 200
    # The draft service's production client gets nothing.
    _, challenge = pkce()
    response = client.get(authorize_path(production.client_id, "patient/Observation.rs", challenge))
    assert response.status_code == 403
    assert "n'est pas encore référencé" in visible_text(response.get_data(as_text=True))


def test_prompt_login_forces_a_new_authentication(client, public, citizen):
    path = _signed_in_path(
        client, citizen, public.client_id, "openid patient/Observation.rs", prompt="login"
    )
    response = client.get(path)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert "prompt" not in location.split("next=", 1)[1].replace("%3F", "?")
    # Logged out: the consent screen now needs a login again.
    again = client.get(path.replace("&prompt=login", ""))
    assert again.headers["Location"].startswith("/login")


def test_prompt_login_after_logging_in_does_not_loop(client, public, citizen):
    _, challenge = pkce()
    path = authorize_path(
        public.client_id, "openid patient/Observation.rs", challenge, prompt="login"
    )
    first = client.get(path)
    from urllib.parse import parse_qs, urlsplit

    back = parse_qs(urlsplit(first.headers["Location"]).query)["next"][0]
    assert "prompt" not in back
    login_citizen(client, citizen)
    assert client.get(back).status_code == 200  # the consent screen, not another login


def test_smart_aud_must_be_our_fhir_base_url(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    good = authorize_path(
        public.client_id, "patient/Observation.rs", challenge, aud="http://127.0.0.1:5000/fhir"
    )
    assert client.get(good).status_code == 200
    bad = authorize_path(
        public.client_id, "patient/Observation.rs", challenge, aud="https://other.example/fhir"
    )
    query = query_of(client.get(bad))
    assert query["error"] == "invalid_request"
    assert query["state"] == "st4te"


def test_invalid_consent_form_is_re_rendered_with_messages(client, public, citizen):
    login_citizen(client, citizen)
    _, challenge = pkce()
    path = authorize_path(public.client_id, "patient/Observation.rs", challenge)
    response = consent(client, path, months="99")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "error-summary" in page
    assert 'name="scopes" value="patient/Observation.rs" checked' in page
    assert grant_of(citizen, public_service(public)) is None
