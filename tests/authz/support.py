"""Helpers for tests of any package that calls the FHIR API with a real access token.

from tests.authz.support import fhir_token

token = fhir_token(citizen, service, "patient/Observation.rs")
client.get("/fhir/Observation", headers={"Authorization": f"Bearer {token}"})
"""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from authz.consent import record_consent
from authz.models import Client, ClientKind
from authz.services import create_client
from authz.tokens import issue_access_token
from catalogue.models import ServiceStatus
from ens_core.db import db
from ens_core.fhir.access import require_scope
from ens_core.scopes import join, parse_scopes


def client_for(service, *, sandbox: bool, scopes=None) -> Client:
    """The service's first enabled client of that kind, created (ceiling ⊇ scopes) if needed."""
    kind = ClientKind.SANDBOX if sandbox else ClientKind.PRODUCTION
    client = db.session.scalar(
        select(Client)
        .where(Client.service_id == service.id, Client.kind == kind)
        .order_by(Client.id)
        .limit(1)
    )
    wanted = set(parse_scopes(scopes if isinstance(scopes, str) else " ".join(scopes or [])))
    if client is None:
        client, _ = create_client(
            service,
            kind=kind,
            name=f"{service.name} ({kind.value})",
            redirect_uris=["http://127.0.0.1:8765/callback"],
            scope_ceiling=join(wanted),
        )
    elif not wanted <= set(parse_scopes(client.scope_ceiling)):
        client.scope_ceiling = join(wanted | set(parse_scopes(client.scope_ceiling)))
        db.session.flush()
    return client


def fhir_token(citizen, service, scopes, *, consented_by=None) -> str:
    """A valid access token for ``citizen`` on ``service`` with ``scopes`` (a string or a
    list): creates the client (sandbox for a synthetic citizen, production otherwise) and
    the grant as needed. A draft service used with a production client is marked
    referenced (a suspended or delisted one is left as it is, so its token is refused)."""
    scope_list = parse_scopes(scopes) if isinstance(scopes, str) else list(scopes)
    sandbox = bool(citizen.is_synthetic)
    if not sandbox and service.status is ServiceStatus.DRAFT:
        service.status = ServiceStatus.REFERENCED
        db.session.flush()
    client = client_for(service, sandbox=sandbox, scopes=scope_list)
    grant, _ = record_consent(citizen, service, client, scope_list, consented_by=consented_by)
    return issue_access_token(grant, client, scope_list)


@require_scope("Observation", "read")
def _read():
    return {"citizen": g.authz.citizen.id}


@require_scope("Observation", "search")
def _search():
    return {"citizen": g.authz.citizen.id}


def protected_status(app, token, interaction: str = "read") -> int:
    """The status a FHIR view protected by ``require_scope("Observation", interaction)``
    answers for ``token`` (200 when the token, its grant, client and service all hold)."""
    view = {"read": _read, "search": _search}[interaction]
    with app.test_request_context(
        "/fhir/Observation", headers={"Authorization": f"Bearer {token}"}
    ):
        result = view()
    return 200 if isinstance(result, dict) else result.status_code
