import pytest

from ens_core.accounts.models import Role
from tests.authz.flow import confidential_client, public_client, referenced_service
from tests.factories import make_user


@pytest.fixture
def service(app_ctx):
    return referenced_service()


@pytest.fixture
def public(service):
    return public_client(service)


@pytest.fixture
def confidential(service):
    return confidential_client(service)


@pytest.fixture
def citizen(app_ctx):
    return make_user(Role.CITIZEN)
