import pytest

from authz.models import AuthMethod, ClientKind
from authz.services import create_client
from catalogue.editor.services import SANDBOX_SCOPE_CEILING
from ens_core.accounts.models import Role
from tests.authz.flow import REDIRECT, login_citizen
from tests.factories import make_service, make_user


@pytest.fixture
def sandbox_service(app_ctx):
    return make_service(name="Appli Essai")


@pytest.fixture
def sandbox_client(sandbox_service):
    client, _secret = create_client(
        sandbox_service,
        kind=ClientKind.SANDBOX,
        name="Appli Essai (bac à sable)",
        redirect_uris=[REDIRECT],
        scope_ceiling=SANDBOX_SCOPE_CEILING,
        auth_method=AuthMethod.NONE,
    )
    return client


@pytest.fixture
def test_citizen(app_ctx):
    return make_user(Role.CITIZEN, is_synthetic=True, name="Titulaire Fictif")


@pytest.fixture
def citizen_http(client, test_citizen):
    login_citizen(client, test_citizen)
    return client
