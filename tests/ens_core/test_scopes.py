"""The one SMART scope grammar and matcher (ens_core.scopes): v1, v2 and wildcards, used
by the consent screen, the token endpoint, the resource protector and the FHIR API."""

from __future__ import annotations

import pytest

from ens_core.scopes import (
    ALL_SCOPES,
    ResourceScope,
    Scope,
    allows,
    join,
    label_of,
    parse_scopes,
    required_scope,
)


@pytest.mark.parametrize(
    ("scope", "interaction", "allowed"),
    [
        # SMART v1: read = read + search, write = create + update + delete, * = all
        ("patient/Observation.read", "read", True),
        ("patient/Observation.read", "search", True),
        ("patient/Observation.read", "create", False),
        ("patient/Observation.write", "create", True),
        ("patient/Observation.write", "update", True),
        ("patient/Observation.write", "delete", True),
        ("patient/Observation.write", "read", False),
        ("patient/Observation.*", "search", True),
        ("patient/Observation.*", "delete", True),
        # SMART v2: one letter per interaction
        ("patient/Observation.rs", "read", True),
        ("patient/Observation.rs", "search", True),
        ("patient/Observation.rs", "create", False),
        ("patient/Observation.cu", "update", True),
        ("patient/Observation.cu", "delete", False),
        ("patient/Observation.c", "create", True),
        ("patient/Observation.d", "delete", True),
    ],
)
def test_v1_and_v2_permissions(scope, interaction, allowed):
    assert allows([scope], "Observation", interaction) is allowed


def test_a_scope_is_for_its_resource_type_only():
    assert not allows(["patient/Observation.rs"], "DocumentReference", "read")
    assert not allows(["patient/DocumentReference.write"], "Observation", "create")


@pytest.mark.parametrize("scope", ["patient/*.read", "patient/*.rs", "patient/*.*"])
def test_wildcard_resource_type_covers_every_type(scope):
    for resource_type in ("Observation", "DocumentReference", "Appointment", "Patient"):
        assert allows([scope], resource_type, "read")


def test_only_patient_scopes_permit_a_connected_service():
    assert not allows(["user/Observation.rs", "system/*.*"], "Observation", "read")


@pytest.mark.parametrize(
    "scope",
    ["openid", "launch/patient", "patient/Observation", "patient/Observation.x", "Observation.rs"],
)
def test_what_is_not_a_resource_scope_permits_nothing(scope):
    assert ResourceScope.parse(scope) is None
    assert not allows([scope], "Observation", "read")


def test_any_of_several_scopes_may_permit():
    scopes = ["openid", "patient/Appointment.rs", "patient/Observation.c"]
    assert allows(scopes, "Observation", "create")
    assert not allows(scopes, "Observation", "read")


def test_parsed_scopes_say_whether_they_read_or_write():
    v1 = ResourceScope.parse("user/Observation.read")
    assert (v1.context, v1.resource, v1.reads, v1.writes) == ("user", "Observation", True, False)
    v2 = ResourceScope.parse("patient/Appointment.cud")
    assert (v2.reads, v2.writes) == (False, True)
    assert ResourceScope.parse("system/*.*").resource == "*"


def test_required_scope_names_the_v2_letter():
    assert required_scope("Observation", "search") == "patient/Observation.s"
    assert required_scope("DocumentReference", "create") == "patient/DocumentReference.c"


def test_the_catalogue_of_granted_scopes(app):
    assert Scope.OBSERVATION_WRITE.writes and not Scope.OBSERVATION_READ.writes
    assert not Scope.OPENID.writes
    with app.test_request_context("/"):
        assert label_of("patient/Observation.rs") == Scope.OBSERVATION_READ.label
        assert label_of("patient/Unknown.rs") == "patient/Unknown.rs"
    assert parse_scopes("openid  openid patient/Observation.rs") == [
        "openid",
        "patient/Observation.rs",
    ]
    assert join(["offline_access", "openid", "patient/Observation.rs"]) == (
        "patient/Observation.rs openid offline_access"
    )
    assert set(ALL_SCOPES) == {scope.value for scope in Scope}
