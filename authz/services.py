"""Authorization-server services other packages call (client registration for now)."""

from __future__ import annotations

from sqlalchemy import select

from authz.models import AuthMethod, Client, ClientKind, Grant
from ens_core.db import db, utcnow
from ens_core.security import hash_secret, new_secret


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


def active_grants_of_service(service, now=None) -> list[Grant]:
    now = now or utcnow()
    grants = db.session.scalars(
        select(Grant).where(Grant.service_id == service.id, Grant.revoked_at.is_(None))
    )
    return [g for g in grants if g.is_active(now)]


def revoke_grant(grant: Grant, *, reason: str, now=None) -> None:
    """Revoke one grant; every token issued under it stops working at the next request."""
    if grant.revoked_at is None:
        grant.revoked_at = now or utcnow()
        grant.revoked_reason = reason
        db.session.flush()


def revoke_service_grants(service, *, reason: str, now=None) -> int:
    """Revoke every live grant of ``service`` (delisting, sanction) in one statement."""
    from sqlalchemy import update

    result = db.session.execute(
        update(Grant)
        .where(Grant.service_id == service.id, Grant.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
    )
    db.session.flush()
    return result.rowcount


def set_service_clients_enabled(service, enabled: bool) -> None:
    """Disable (suspension, delisting) or re-enable a service's production clients."""
    for client in clients_of_service(service):
        if client.kind is ClientKind.PRODUCTION:
            client.is_enabled = enabled
            client.disabled_at = None if enabled else utcnow()
    db.session.flush()


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
