"""Demo records of the authorization server: ``client`` (documented demo credentials)
and ``consent`` (a citizen connects a referenced service). See
``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask

from authz.consent import grant_of, record_consent
from authz.models import AuthMethod, ClientKind
from authz.services import create_client, get_client
from ens_core.demo import DemoContext, DemoDataError, register_kind, register_lookup
from ens_core.demo.dates import as_datetime
from ens_core.scopes import parse_scopes
from ens_core.service_directory import SERVICES


def load_client(ctx: DemoContext, fields: dict) -> bool:
    """A client with documented credentials. A production client made before its
    service's referencing decision is the one the decision reuses and whose scope ceiling
    it sets."""
    if get_client(fields["client_id"]) is not None:
        return False
    create_client(
        ctx.get("service", fields["service"]),
        kind=ClientKind(fields["kind"]),
        name=fields["name"],
        redirect_uris=fields["redirect_uris"],
        scope_ceiling=fields.get("scope_ceiling", ""),
        auth_method=AuthMethod(fields.get("auth_method", AuthMethod.CLIENT_SECRET_BASIC)),
        client_id=fields["client_id"],
        secret=fields.get("secret"),
    )
    return True


def load_consent(ctx: DemoContext, fields: dict) -> bool:
    """What the consent screen records when the citizen (or a guardian, ``by``) ticks
    ``scopes`` for a referenced service, through its production client by default."""
    citizen = ctx.get("user", fields["citizen"])
    service = ctx.get("service", fields["service"])
    if grant_of(citizen, service) is not None:
        return False
    if not SERVICES.get().may_use_tokens(service, sandbox=False):
        raise DemoDataError(f"{service.slug} is not referenced: nobody can connect it")
    client = ctx.client_for(fields)
    scopes = fields["scopes"].split()
    ceiling = set(parse_scopes(client.scope_ceiling))
    outside = [s for s in scopes if s not in ceiling]
    if outside:
        raise DemoDataError(f"{outside} are outside the ceiling of {client.client_id}")
    record_consent(
        citizen,
        service,
        client,
        scopes,
        consented_by=ctx.get("user", fields["by"]) if "by" in fields else None,
        months=fields.get("months"),
        now=as_datetime(fields["at"]),
    )
    return True


def register(app: Flask) -> None:
    register_kind(app, "client", load_client)
    register_kind(app, "consent", load_consent)
    register_lookup(app, "client", get_client)
