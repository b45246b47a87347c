"""Property-based check of the FHIR API (issue 17): resources of every shape the
Hypothesis strategies below can make (valid ones with elements replaced by arbitrary JSON,
removed, or out of range: Observation, Appointment, DocumentReference, Binary, transaction
Bundles) and searches with arbitrary parameters never get a 5xx; a refusal is an
OperationOutcome. A bounded, derandomised number of examples; runs in ``make test`` on
SQLite, and on PostgreSQL when ``ENS_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from tests.ens_core.fhir.conftest import blood_pressure, observation
from tests.ens_core.fhir.test_documents_appointments import appointment, document
from tests.helpers import property_settings

SETTINGS = property_settings(max_examples=80)


def _deep(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"extension": [value]}
    return value


# What an attacker (or a careless client) puts where a value belongs.
HOSTILE = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "10000-01-01",
        "\x00",
        "a\x00b",
        "\ud800",
        "x" * 5000,
        "72",
        20260101,
        2**64,
        -(2**64),
        1e308,
        True,
        None,
        [],
        {},
        [1],
        _deep(40),
    ]
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)


def _swapped(value):
    """The same value in another JSON type (FHIR's JSON types are strict)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isdigit() else [value]
    if isinstance(value, list):
        return value[0] if value else {}
    return [value]


def _paths(value, prefix=()):
    """Every path (tuple of keys/indexes) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


@st.composite
def mutated(draw, resource):
    """``resource`` with one to three elements replaced (by a hostile value, the same value
    in another JSON type, arbitrary JSON) or removed."""
    resource = json.loads(json.dumps(resource))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(resource) if p]
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        node = resource
        for part in parents:
            node = node[part]
        how = draw(st.sampled_from(["hostile", "hostile", "swap", "swap", "any", "remove"]))
        if how == "remove" and isinstance(node, dict):
            del node[last]
        elif how == "swap":
            node[last] = _swapped(node[last])
        else:
            node[last] = draw(HOSTILE if how == "hostile" else JSON_VALUES)
    return resource


def _shapes(patient_id):
    obs, bp = observation(patient_id), blood_pressure(patient_id)
    return {
        "Observation": st.one_of(mutated(obs), mutated(bp)),
        "Appointment": mutated(appointment(patient_id, status="cancelled")),
        "DocumentReference": mutated(document(patient_id)),
        "Binary": mutated(
            {
                "resourceType": "Binary",
                "contentType": "application/pdf",
                "data": base64.b64encode(b"%PDF-1.4 x").decode(),
            }
        ),
        "": mutated(
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {"resource": obs, "request": {"method": "POST", "url": "Observation"}},
                    {"resource": bp, "request": {"method": "PUT", "url": "Observation/abc"}},
                ],
            }
        ),
    }


def test_fhir_writes_of_any_shape_never_get_a_5xx(api):
    shapes = _shapes(api.patient_id)
    endpoint = st.sampled_from(sorted(shapes))

    @SETTINGS
    @given(data=st.data())
    def post(data):
        resource_type = data.draw(endpoint)
        body = data.draw(shapes[resource_type])
        url = f"/fhir/{resource_type}".rstrip("/")
        response = api.post(url, body)
        assert response.status_code < 500, (url, body, response.get_json())
        if response.status_code >= 400:
            assert response.get_json()["resourceType"] == "OperationOutcome"

    post()


SEARCHES = {
    "Observation": ["patient", "subject", "code", "date", "category"],
    "DocumentReference": ["patient", "type", "date", "_text"],
    "Appointment": ["patient", "actor", "date", "status"],
}
COMMON = ["_count", "_offset", "_sort", "date", "date", "code"]
SEARCH_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "9999-12-31",
            "9999",
            "ge9999-12-31T23:59:59-14:00",
            "lt0001-01-01",
            "0001-01-01T00:00:00+14:00",
            "10000-01-01",
            "9223372036854775808",
            "99999999999999999999",
            "-1",
            "1e20",
            ",".join(["29463-7"] * 300),
            "http://loinc.org|29463-7",
            "-date",
            "Patient/x",
            "\x00",
            "2026-02",
            "x" * 3000,
        ]
    ),
)


@st.composite
def searches(draw):
    """A search of one resource type: its own parameters (and a stray one now and then),
    a few of them or one repeated hundreds of times."""
    resource_type = draw(st.sampled_from(sorted(SEARCHES)))
    names = st.sampled_from(SEARCHES[resource_type] + COMMON + ["x"])
    if draw(st.integers(0, 4)) == 0:
        repeated = (draw(names), draw(SEARCH_VALUES))
        return resource_type, "", [repeated] * draw(st.integers(100, 1200))
    return resource_type, "", draw(st.lists(st.tuples(names, SEARCH_VALUES), max_size=4))


READS = st.tuples(
    st.sampled_from(["Observation", "Appointment", "Patient", "Binary"]),
    st.text(max_size=70).map(lambda s: "/" + s.replace("/", "_").replace("?", "_")),
    st.just([]),
)


def test_fhir_searches_and_reads_of_any_shape_never_get_a_5xx(api):
    @SETTINGS
    @given(request=st.one_of(searches(), searches(), searches(), READS))
    def get(request):
        resource_type, rest, query = request
        response = api.client.get(
            f"/fhir/{resource_type}{rest}", query_string=query, headers=api.headers()
        )
        assert response.status_code < 500, (resource_type, rest, query[:5], response.get_json())

    get()
