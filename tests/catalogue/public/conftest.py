"""Fixtures shared by the public catalogue's tests."""

import pytest

from catalogue.models import DataPurpose
from tests.factories import make_listed_service, make_organisation


@pytest.fixture
def tension_suivi(app_ctx):
    """Santé Connect SAS's "Tension Suivi": referenced, écoscore A, chronic disease, reads
    Observations for care (one year), hosted in France."""
    return make_listed_service(
        make_organisation(legal_name="Santé Connect SAS"),
        name="Tension Suivi",
        slug="tension-suivi",
        ecoscore_grade="A",
        categories=["chronic_disease"],
        data_uses=[("patient/Observation.rs", DataPurpose.CARE, 365)],
        hosting=["FR"],
    )
