import pytest

from authz.models import ClientKind
from catalogue.editor.services import SANDBOX_SCOPE_CEILING
from ens_core.accounts.models import Role
from tests.authz.flow import login_citizen, public_client
from tests.factories import make_service, make_user


@pytest.fixture
def sandbox_service(app_ctx):
    return make_service(name="Appli Essai")


@pytest.fixture
def sandbox_client(sandbox_service):
    return public_client(
        sandbox_service,
        kind=ClientKind.SANDBOX,
        ceiling=SANDBOX_SCOPE_CEILING,
        name="Appli Essai (bac à sable)",
    )


@pytest.fixture
def test_citizen(app_ctx):
    return make_user(Role.CITIZEN, is_synthetic=True, name="Titulaire Fictif")


@pytest.fixture
def citizen_http(client, test_citizen):
    login_citizen(client, test_citizen)
    return client
