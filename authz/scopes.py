"""SMART App Launch v2 scopes this server knows, with their French and English labels.

The consent screen and the discovery documents both read :class:`Scope`; a scope outside
this list is refused with ``invalid_scope``.
"""

from __future__ import annotations

import enum
import re

from flask_babel import lazy_gettext as _l

# SMART v2 interactions: create, read, update, delete, search.
INTERACTION_LETTERS = {"create": "c", "read": "r", "update": "u", "delete": "d", "search": "s"}
_RESOURCE_SCOPE = re.compile(r"^patient/([A-Za-z]+)\.([cruds]+)$")


class Scope(enum.StrEnum):
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
        return SCOPE_LABELS_EN[self]

    @property
    def is_resource(self) -> bool:
        return self.value.startswith("patient/")

    @property
    def writes(self) -> bool:
        match = _RESOURCE_SCOPE.match(self.value)
        return bool(match) and any(letter in "cud" for letter in match.group(2))


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


def parse_scopes(value: str | None) -> list[str]:
    """Split a scope string, keeping order and dropping duplicates."""
    seen: list[str] = []
    for item in (value or "").split():
        if item not in seen:
            seen.append(item)
    return seen


def unknown_scopes(scopes) -> list[str]:
    return [s for s in scopes if s not in ALL_SCOPES]


def join(scopes) -> str:
    """Canonical scope string: known order of :class:`Scope`."""
    wanted = set(scopes)
    return " ".join(s for s in ALL_SCOPES if s in wanted)


def allows(scopes, resource_type: str, interaction: str) -> bool:
    """Does one of ``scopes`` permit ``interaction`` on ``resource_type`` (SMART v2)?"""
    letter = INTERACTION_LETTERS[interaction]
    for scope in scopes:
        match = _RESOURCE_SCOPE.match(scope)
        if match and match.group(1) in (resource_type, "*") and letter in match.group(2):
            return True
    return False


def required_scope(resource_type: str, interaction: str) -> str:
    return f"patient/{resource_type}.{INTERACTION_LETTERS[interaction]}"
