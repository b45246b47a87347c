"""SMART on FHIR scopes: the one grammar, the one matcher and the catalogue of scopes this
server knows, with their labels.

* The grammar reads SMART App Launch v1 (``patient/Observation.read``, ``.write``, ``.*``)
  and v2 (``patient/Observation.rs``, any of ``c r u d s``) resource scopes, with ``*`` as
  the resource type (every type). :class:`ResourceScope` is a parsed scope.
* :func:`allows` is the matcher: the consent screen, the token endpoint (through the
  resource protector) and the FHIR API all ask it whether scopes permit an interaction.
* :class:`Scope` lists what this server grants; a scope outside it is refused with
  ``invalid_scope``. The consent screen, the citizen's space and the discovery documents
  read its labels.

It lives in ens_core because the FHIR API (ens_core) needs it and the authorization server
(authz) builds on it; it imports nothing of either.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# SMART v2 interactions: create, read, update, delete, search.
INTERACTION_LETTERS = {"create": "c", "read": "r", "update": "u", "delete": "d", "search": "s"}
# SMART v1 permissions in v2 letters.
_V1_LETTERS = {"read": "rs", "write": "cud", "*": "cruds"}
_GRAMMAR = re.compile(r"^(patient|user|system)/([A-Za-z]+|\*)\.(read|write|\*|[cruds]+)$")


@dataclass(frozen=True)
class ResourceScope:
    """A parsed SMART resource scope: ``context/resource.permissions``.

    ``permissions`` is always in v2 letters, whatever the version the scope was written in
    (``patient/Observation.read`` and ``patient/Observation.rs`` parse alike)."""

    context: str  # patient | user | system
    resource: str  # a FHIR resource type, or "*" for every type
    permissions: frozenset[str]

    @classmethod
    def parse(cls, scope: str) -> ResourceScope | None:
        """None for anything that is not a resource scope (``openid``, ``launch/patient``…)."""
        return _parsed(cls, scope)

    @classmethod
    def _parse(cls, scope: str) -> ResourceScope | None:
        match = _GRAMMAR.match(scope.strip())
        if match is None:
            return None
        context, resource, access = match.groups()
        return cls(context, resource, frozenset(_V1_LETTERS.get(access, access)))

    @property
    def reads(self) -> bool:
        return bool(self.permissions & {"r", "s"})

    @property
    def writes(self) -> bool:
        return bool(self.permissions & {"c", "u", "d"})

    def permits(self, resource_type: str, interaction: str) -> bool:
        """Does this scope permit ``interaction`` on ``resource_type`` (any context)?"""
        return (
            self.resource in (resource_type, "*")
            and INTERACTION_LETTERS[interaction] in self.permissions
        )


@functools.lru_cache(maxsize=4096)
def _parsed(cls, scope: str) -> ResourceScope | None:
    """Scopes are few and every API call checks them: each is parsed once (bounded)."""
    return cls._parse(scope)


def allows(scopes, resource_type: str, interaction: str) -> bool:
    """Does one of ``scopes`` (SMART v1 or v2, wildcards included) permit ``interaction``
    on ``resource_type`` for the patient of the token? Only ``patient/`` scopes count: a
    connected service acts for one citizen, never as a user or a system."""
    parsed = (ResourceScope.parse(value) for value in scopes)
    return any(
        scope is not None
        and scope.context == "patient"
        and scope.permits(resource_type, interaction)
        for scope in parsed
    )


def required_scope(resource_type: str, interaction: str) -> str:
    """The narrowest v2 scope that permits ``interaction`` (named in refusals)."""
    return f"patient/{resource_type}.{INTERACTION_LETTERS[interaction]}"


class Scope(enum.StrEnum):
    """The scopes this server grants (SMART v2 letters)."""

    OBSERVATION_READ = "patient/Observation.rs"
    OBSERVATION_WRITE = "patient/Observation.cu"
    DOCUMENT_READ = "patient/DocumentReference.rs"
    DOCUMENT_CREATE = "patient/DocumentReference.c"
    APPOINTMENT_READ = "patient/Appointment.rs"
    APPOINTMENT_WRITE = "patient/Appointment.cud"
    PATIENT_READ = "patient/Patient.r"
    OPENID = "openid"
    FHIR_USER = "fhirUser"
    OFFLINE_ACCESS = "offline_access"
    LAUNCH_PATIENT = "launch/patient"

    @property
    def label(self) -> str:
        """Plain-language description, in the current locale."""
        return str(SCOPE_LABELS[self])

    @property
    def label_en(self) -> str:
        """English label, whatever the request's locale (discovery documents)."""
        return SCOPE_LABELS_EN[self]

    @property
    def writes(self) -> bool:
        parsed = ResourceScope.parse(self.value)
        return parsed is not None and parsed.writes


SCOPE_LABELS = {
    Scope.OBSERVATION_READ: _l("Lire et rechercher vos mesures (tension, poids, glycémie…)"),
    Scope.OBSERVATION_WRITE: _l("Ajouter et corriger des mesures dans votre espace santé"),
    Scope.DOCUMENT_READ: _l("Lire et rechercher vos documents de santé"),
    Scope.DOCUMENT_CREATE: _l("Déposer des documents dans votre espace santé"),
    Scope.APPOINTMENT_READ: _l("Lire et rechercher vos rendez-vous"),
    Scope.APPOINTMENT_WRITE: _l("Créer, modifier et annuler vos rendez-vous"),
    Scope.PATIENT_READ: _l("Lire votre profil (nom, date de naissance)"),
    Scope.OPENID: _l("Vous reconnaître quand vous revenez (identifiant propre à ce service)"),
    Scope.FHIR_USER: _l("Connaître le dossier auquel vous êtes connecté"),
    Scope.OFFLINE_ACCESS: _l("Garder l'accès quand vous n'utilisez pas le service"),
    Scope.LAUNCH_PATIENT: _l("Savoir quel dossier patient est ouvert"),
}

# English labels for discovery documents, independent of the request locale.
SCOPE_LABELS_EN = {
    Scope.OBSERVATION_READ: "Read and search your measurements (blood pressure, weight, glucose…)",
    Scope.OBSERVATION_WRITE: "Add and correct measurements in your health space",
    Scope.DOCUMENT_READ: "Read and search your health documents",
    Scope.DOCUMENT_CREATE: "Upload documents to your health space",
    Scope.APPOINTMENT_READ: "Read and search your appointments",
    Scope.APPOINTMENT_WRITE: "Create, change and cancel your appointments",
    Scope.PATIENT_READ: "Read your profile (name, date of birth)",
    Scope.OPENID: "Recognise you when you come back (an identifier specific to this service)",
    Scope.FHIR_USER: "Know which record you are signed in to",
    Scope.OFFLINE_ACCESS: "Keep access while you are not using the service",
    Scope.LAUNCH_PATIENT: "Know which patient record is open",
}

ALL_SCOPES = [scope.value for scope in Scope]
# Scopes that never need the citizen's tick box (context only, no data).
CONTEXT_SCOPES = {Scope.LAUNCH_PATIENT.value}


def label_of(scope: str) -> str:
    """A scope in plain words (the scope itself when this server does not know it)."""
    try:
        return Scope(scope).label
    except ValueError:
        return scope


def parse_scopes(value: str | None) -> list[str]:
    """Split a scope string, keeping order and dropping duplicates."""
    seen: list[str] = []
    for item in (value or "").split():
        if item not in seen:
            seen.append(item)
    return seen


def join(scopes) -> str:
    """Canonical scope string: known order of :class:`Scope`."""
    wanted = set(scopes)
    return " ".join(s for s in ALL_SCOPES if s in wanted)
