"""Authorization-server services other packages call: client registration, grants.

Other packages read and change clients and grants only through these functions. Every
change to a grant sends ``ens_core.signals.grant_changed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Select, bindparam, select, update

from authz.models import AuthMethod, Client, ClientKind, Grant
from ens_core import signals
from ens_core.db import db, utcnow
from ens_core.prepared import Prepared
from ens_core.security import hash_secret, new_secret
from ens_core.signals import grant_changed


def create_client(
    service,
    *,
    kind: ClientKind,
    name: str,
    redirect_uris: list[str],
    scope_ceiling: str,
    auth_method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC,
    client_id: str | None = None,
    secret: str | None = None,
    jwks: dict | None = None,
) -> tuple[Client, str | None]:
    """Register a client for ``service``; returns it with its secret in clear, shown once.

    Only the SHA-256 of the secret is stored. ``client_id``/``secret`` may be given
    (demo data); otherwise they are generated.
    """
    plain_secret = None
    if auth_method is AuthMethod.CLIENT_SECRET_BASIC:
        plain_secret = secret or new_secret()
    client = Client(
        client_id=client_id or f"ens-{new_secret(12)}",
        service_id=service.id,
        kind=kind,
        name=name,
        token_endpoint_auth_method=auth_method,
        secret_hash=hash_secret(plain_secret) if plain_secret else None,
        redirect_uris=list(redirect_uris),
        scope_ceiling=" ".join(sorted(set(scope_ceiling.split()))),
        jwks=jwks,
    )
    db.session.add(client)
    db.session.flush()
    return client, plain_secret


def clients_of_service(service) -> list[Client]:
    return list(
        db.session.scalars(
            select(Client).where(Client.service_id == service.id).order_by(Client.id)
        )
    )


def get_client(client_id: str) -> Client | None:
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


_CLIENTS = Client.__table__
_CLIENT_KEYS = tuple(_CLIENTS.c.keys())
# Prepared once: every token request authenticates its client by ``client_id``.
_CLIENT_ROW = Prepared(select(_CLIENTS).where(_CLIENTS.c.client_id == bindparam("client_id")))


def client_record(client_id: str) -> SimpleNamespace | None:
    """A client as the OAuth endpoints read it: the attributes of :class:`Client`, read in
    one prepared statement into a plain record (no ORM object: the token endpoint reads
    a client on every request and never changes it)."""
    row = _CLIENT_ROW.first({"client_id": client_id})
    return SimpleNamespace(**dict(zip(_CLIENT_KEYS, row, strict=True))) if row else None


def production_clients() -> list[Client]:
    """Every enabled production client (the public list of production applications)."""
    return list(
        db.session.scalars(
            select(Client)
            .where(Client.kind == ClientKind.PRODUCTION, Client.is_enabled.is_(True))
            .order_by(Client.client_id)
        )
    )


# --- grants --------------------------------------------------------------------------------


def get_grant(grant_id: int) -> Grant | None:
    return db.session.get(Grant, grant_id)


def grants_of_citizen(citizen_id: int) -> list[Grant]:
    """The grants given for ``citizen_id`` (by them or a guardian), newest first."""
    return list(
        db.session.scalars(
            select(Grant).where(Grant.citizen_id == citizen_id).order_by(Grant.created_at.desc())
        )
    )


def _live(now: datetime):
    return (
        Grant.revoked_at.is_(None),
        Grant.expires_at.is_(None) | (Grant.expires_at > now),
    )


def expiring_grants(
    *, now: datetime, within: timedelta, citizen_id: int | None = None
) -> list[Grant]:
    """Live grants that end within ``within`` of ``now`` (one citizen's, or everyone's)."""
    query = select(Grant).where(
        Grant.revoked_at.is_(None),
        Grant.expires_at.is_not(None),
        Grant.expires_at > now,
        Grant.expires_at <= now + within,
    )
    if citizen_id is not None:
        query = query.where(Grant.citizen_id == citizen_id)
    return list(db.session.scalars(query))


def grant_holders(service, now: datetime) -> Select:
    """The citizens holding a live grant to ``service``, as a query (a service may have
    hundreds of thousands: callers insert from it rather than load it)."""
    return select(Grant.citizen_id).where(Grant.service_id == service.id, *_live(now))


def revoke_grant(grant: Grant, *, reason: str, now=None) -> None:
    """Revoke one grant; every token issued under it stops working at the next request."""
    if grant.revoked_at is None:
        grant.revoked_at = now or utcnow()
        grant.revoked_reason = reason
        db.session.flush()
        signals.send(grant_changed, grant=grant, service_id=grant.service_id, change="revoked")


def renew_grant(grant: Grant, *, now: datetime) -> None:
    """Extend a live grant by its original duration (at least 30 days, at most a year),
    counted from ``now``."""
    if not grant.is_active(now) or grant.expires_at is None:
        raise ValueError("not renewable")
    duration = max(grant.expires_at - grant.created_at, timedelta(days=30))
    grant.expires_at = now + min(duration, timedelta(days=366))
    grant.updated_at = now
    db.session.flush()
    signals.send(grant_changed, grant=grant, service_id=grant.service_id, change="renewed")


def revoke_service_grants(service, *, reason: str, now=None) -> int:
    """Revoke every live grant of ``service`` (delisting, sanction) in one statement."""
    result = db.session.execute(
        update(Grant)
        .where(Grant.service_id == service.id, Grant.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
    )
    db.session.flush()
    # One UPDATE: grants already loaded in this session must be read again.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Grant) and obj.service_id == service.id:
            db.session.expire(obj)
    signals.send(grant_changed, grant=None, service_id=service.id, change="revoked")
    return result.rowcount


def set_service_clients_enabled(service, enabled: bool) -> None:
    """Disable (suspension, delisting) or re-enable a service's production clients."""
    for client in clients_of_service(service):
        if client.kind is ClientKind.PRODUCTION:
            client.is_enabled = enabled
            client.disabled_at = None if enabled else utcnow()
    db.session.flush()


def on_service_status_changed(sender, *, service, previous, status, **extra) -> None:
    """``service_status_changed`` receiver: production clients follow their service. A
    suspended or delisted service's are disabled; lifting a suspension enables them again
    (a new referencing decision brings its own production client)."""
    if status in ("suspended", "delisted"):
        set_service_clients_enabled(service, False)
    elif status == "referenced" and previous == "suspended":
        set_service_clients_enabled(service, True)


def rotate_client_secret(client: Client) -> str:
    """Give a confidential client a new secret (returned in clear, shown once); the old
    one stops working at once since only the new hash is kept."""
    plain_secret = new_secret()
    client.secret_hash = hash_secret(plain_secret)
    db.session.flush()
    return plain_secret


def set_redirect_uris(client: Client, redirect_uris: list[str]) -> None:
    """Replace the exact-match redirect URI list (validated by the caller)."""
    client.redirect_uris = list(dict.fromkeys(redirect_uris))
    db.session.flush()


def set_client_auth_method(client: Client, auth_method: AuthMethod) -> str | None:
    """Switch between public (PKCE, no secret) and ``client_secret_basic``; becoming
    confidential issues a new secret, returned in clear once."""
    if auth_method is client.token_endpoint_auth_method:
        return None
    client.token_endpoint_auth_method = auth_method
    if auth_method is AuthMethod.CLIENT_SECRET_BASIC:
        return rotate_client_secret(client)
    client.secret_hash = None
    db.session.flush()
    return None


def reuse_production_client(service, *, scope_ceiling: str) -> Client | None:
    """A renewed (or re-decided) referencing keeps the service's production client, with
    the newly approved ceiling, enabled again; None when the service has none yet."""
    production = [c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION]
    if not production:
        return None
    client = production[0]
    client.scope_ceiling = " ".join(sorted(set(scope_ceiling.split())))
    client.is_enabled = True
    client.disabled_at = None
    db.session.flush()
    return client
