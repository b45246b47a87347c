"""Drive the authorization code flow with Flask's test client (like a browser + an app)."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from authz.models import AuthMethod, ClientKind
from authz.services import create_client
from catalogue.models import DataPurpose, ServiceStatus
from catalogue.services import publish_referencing
from ens_core.db import utcnow
from tests.factories import PASSWORD, make_hosting, make_service
from tests.helpers import csrf_token, login

REDIRECT = "http://127.0.0.1:8765/callback"
CEILING = (
    "patient/Observation.rs patient/Observation.cu patient/Patient.r openid fhirUser offline_access"
)


def referenced_service(**fields):
    from datetime import date, timedelta

    service = make_service(**fields)
    make_hosting(service, provider="HDS Provider", effective_from=date(2024, 1, 1))
    publish_referencing(
        service,
        actor=None,
        decided_at=utcnow() - timedelta(days=10),
        valid_until=date.today() + timedelta(days=365),
        data_uses=[
            ("patient/Observation.rs", DataPurpose.CARE, 365),
            ("patient/Observation.cu", DataPurpose.PREVENTION, 180),
        ],
    )
    assert service.status is ServiceStatus.REFERENCED
    return service


def public_client(
    service,
    *,
    kind=ClientKind.PRODUCTION,
    ceiling=CEILING,
    redirect=REDIRECT,
    name="Test public client",
):
    client, _ = create_client(
        service,
        kind=kind,
        name=name,
        redirect_uris=[redirect],
        scope_ceiling=ceiling,
        auth_method=AuthMethod.NONE,
    )
    return client


def confidential_client(service, *, ceiling=CEILING):
    return create_client(
        service,
        kind=ClientKind.PRODUCTION,
        name="Test confidential client",
        redirect_uris=[REDIRECT],
        scope_ceiling=ceiling,
        auth_method=AuthMethod.CLIENT_SECRET_BASIC,
    )


def pkce():
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def authorize_path(client_id, scope, challenge, *, redirect=REDIRECT, state="st4te", **extra):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    params = {k: v for k, v in params.items() if v is not None}
    return "/oauth/authorize?" + urlencode(params)


def query_of(response) -> dict:
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(http, path, *, decision="allow", scopes=None, duration=None, **fields):
    """Post the consent form at ``path``; ``scopes`` None keeps every box ticked."""
    page = http.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    form = {"csrf_token": csrf_token(http, path), "decision": decision, **fields}
    if scopes is None:
        import re

        scopes = re.findall(r'name="scopes" value="([^"]+)"', page.get_data(as_text=True))
    form["scopes"] = scopes
    if duration:
        form["duration"] = duration
    return http.post(path, data=form)


def login_citizen(http, citizen):
    response = login(http, citizen.email, PASSWORD)
    assert response.status_code == 302


def get_code(http, client, scope, *, citizen=None, **consent_fields):
    """Log in (if ``citizen``), consent, and return (code, verifier, redirect query)."""
    if citizen is not None:
        login_citizen(http, citizen)
    verifier, challenge = pkce()
    response = consent(http, authorize_path(client.client_id, scope, challenge), **consent_fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    query = query_of(response)
    return query.get("code"), verifier, query


def basic(client_id, secret):
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def exchange(http, client, code, verifier, *, secret=None, redirect=REDIRECT, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
        **extra,
    }
    headers = {}
    if secret:
        headers = basic(client.client_id, secret)
    else:
        data["client_id"] = client.client_id
    data = {k: v for k, v in data.items() if v is not None}
    return http.post("/oauth/token", data=data, headers=headers)


def refresh(http, client, refresh_token, *, secret=None, **extra):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    headers = {}
    if secret:
        headers = basic(client.client_id, secret)
    else:
        data["client_id"] = client.client_id
    return http.post("/oauth/token", data=data, headers=headers)
