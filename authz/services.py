"""Authorization-server services other packages call (client registration for now)."""

from __future__ import annotations

from sqlalchemy import select

from authz.models import AuthMethod, Client, ClientKind
from ens_core.db import db
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
