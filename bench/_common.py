"""Steps shared by the bench scripts: a migrated app, the bench's service and its client.

The scripts import it as ``bench._common`` (with the repository root on ``sys.path``).
"""

from __future__ import annotations

REDIRECT_URI = "http://127.0.0.1:8765/callback"


def migrated_app(config: dict | None = None):
    """The app (``config`` over the environment's settings), its database upgraded to the
    latest migration."""
    from flask_migrate import upgrade

    from ens_core import create_app

    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def bench_service(editor, legal_name: str, name: str, slug: str, *, status=None):
    """An organisation of ``editor`` (in France) and its service, flushed; the service is
    referenced unless another ``status`` is given."""
    from catalogue.models import Service, ServiceStatus
    from catalogue.services import create_organisation
    from ens_core.db import db

    organisation = create_organisation(editor, legal_name=legal_name, country="FR")
    service = Service(
        organisation_id=organisation.id,
        name=name,
        slug=slug,
        status=status or ServiceStatus.REFERENCED,
    )
    db.session.add(service)
    db.session.flush()
    return service


def confidential_client(service, *, name: str, scopes: str, redirect_uri: str = REDIRECT_URI):
    """A production client of ``service`` that authenticates with its secret
    (client_secret_basic): returns (client, secret)."""
    from authz.models import AuthMethod, ClientKind
    from authz.services import create_client

    return create_client(
        service,
        kind=ClientKind.PRODUCTION,
        name=name,
        redirect_uris=[redirect_uri],
        scope_ceiling=scopes,
        auth_method=AuthMethod.CLIENT_SECRET_BASIC,
    )
