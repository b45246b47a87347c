from __future__ import annotations

import pytest

from catalogue.models import ServiceStatus
from ens_core.accounts.models import Role
from tests.authz.support import fhir_token
from tests.factories import make_service, make_user

ALL = (
    "launch/patient patient/Observation.rs patient/Observation.cu patient/DocumentReference.rs "
    "patient/DocumentReference.c patient/Appointment.rs patient/Appointment.cud patient/Patient.r"
)


class Api:
    """A connected service calling the FHIR API for one citizen."""

    def __init__(self, client, citizen, service, scopes=ALL):
        self.client, self.citizen, self.service = client, citizen, service
        self.token = fhir_token(citizen, service, scopes)
        from authz.tokens import pairwise_id

        self.patient_id = pairwise_id(citizen.id, service.id)

    def headers(self, **extra):
        return {"Authorization": f"Bearer {self.token}", **extra}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers(), **kw)

    def post(self, url, body, **kw):
        return self.client.post(
            url, json=body, headers=self.headers(), content_type="application/fhir+json", **kw
        )

    def put(self, url, body, **kw):
        return self.client.put(
            url, json=body, headers=self.headers(), content_type="application/fhir+json", **kw
        )


@pytest.fixture
def citizen(app_ctx):
    return make_user(Role.CITIZEN, name="Camille Test")


@pytest.fixture
def service(app_ctx):
    return make_service(status=ServiceStatus.REFERENCED, name="Tension Test")


@pytest.fixture
def api(client, citizen, service):
    return Api(client, citizen, service)


def observation(patient_id, code="29463-7", value=72.5, unit="kg", when="2026-03-01T08:00:00Z"):
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def blood_pressure(patient_id, systolic=128, diastolic=82, when="2026-03-02T08:00:00Z"):
    def comp(code, value):
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {
                "value": value,
                "unit": "mm[Hg]",
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            },
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "component": [comp("8480-6", systolic), comp("8462-4", diastolic)],
    }


def transaction(*resources):
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for r in resources
        ],
    }
