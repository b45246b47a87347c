"""Plain words for people: what a permission lets a service do, for what, for how long, and
where its data lives.

One source for every page that says it: the consent screen (authz), the connected-services
page of the health space and the catalogue's service page all phrase a permission with
:func:`permission_lines` / :func:`data_use_sentence`, so a citizen reads the same sentence
("Il peut lire vos mesures… Pourquoi : Soins. Il les garde au plus 3 ans.") wherever she
meets it. It lives in ens_core, the lowest layer, and reads a service only through the
attributes of ``ens_core.service_directory.ServiceRef``.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ens_core.scopes import CONTEXT_SCOPES, ResourceScope, Scope

# FHIR resource types a service may read or write, in plain words (the filter options too).
RESOURCE_LABELS = {
    "Observation": _l("vos mesures et résultats (tension, poids, glycémie…)"),
    "Patient": _l("votre identité et votre profil"),
    "DocumentReference": _l("vos documents de santé"),
    "Condition": _l("vos problèmes de santé"),
    "MedicationRequest": _l("vos prescriptions de médicaments"),
    "MedicationStatement": _l("les médicaments que vous prenez"),
    "Immunization": _l("vos vaccinations"),
    "AllergyIntolerance": _l("vos allergies"),
    "Appointment": _l("vos rendez-vous"),
    "Encounter": _l("vos consultations et hospitalisations"),
    "*": _l("toutes vos données de santé"),
}

# What the scopes that are not about health data let a service do, as a sentence.
OTHER_SCOPE_SENTENCES = {
    Scope.OPENID.value: _l(
        "Il peut vous reconnaître quand vous revenez, avec un identifiant propre à ce service."
    ),
    Scope.FHIR_USER.value: _l("Il peut savoir à quel dossier vous êtes connecté."),
}
# Scopes the citizen does not tick one by one: ``launch/patient`` is context only, and
# ``offline_access`` is what the duration choice ("dans la durée") means.
NOT_A_PERMISSION = {*CONTEXT_SCOPES, Scope.OFFLINE_ACCESS.value}


def retention_in_words(days: int) -> str:
    """ "3 ans", "6 mois", "30 jours": the longest exact unit."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(num)d an", "%(num)d ans", years)
    if days >= 60 and days % 30 == 0:
        months = days // 30
        return ngettext("%(num)d mois", "%(num)d mois", months)
    return ngettext("%(num)d jour", "%(num)d jours", days)


def country_name(code: str) -> str:
    """The country's name in the interface language (Babel's CLDR data): "Norvège"."""
    locale = get_locale() or Locale("fr")
    return locale.territories.get(code.upper(), code.upper())


def data_use_parts(
    *, data: str, reads: bool, writes: bool, purpose=None, retention_days: int | None = None
) -> tuple[str, str]:
    """What the service may do ("Il peut lire vos mesures…."), then why and for how long
    ("Pourquoi : Soins. Il les garde au plus 3 ans.", empty when not declared)."""
    if reads and writes:
        does = _("Il peut lire et ajouter %(data)s.", data=data)
    elif writes:
        does = _("Il peut ajouter %(data)s.", data=data)
    elif reads:
        does = _("Il peut lire %(data)s.", data=data)
    else:
        does = _("Il utilise : %(data)s.", data=data)
    details = []
    if purpose is not None:
        details.append(_("Pourquoi : %(purpose)s.", purpose=purpose))
    if retention_days:
        duration = retention_in_words(retention_days)
        details.append(_("Il les garde au plus %(duration)s.", duration=duration))
    return does, " ".join(details)


def data_use_sentence(**use) -> str:
    """One permission in plain words: what, why, for how long (:func:`data_use_parts`)."""
    return " ".join(part for part in data_use_parts(**use) if part)


@dataclass(frozen=True)
class PermissionLine:
    """One permission as a citizen reads it, with its technical scope for the details."""

    scope: str
    does: str  # "Il peut lire vos mesures…."
    details: str  # "Pourquoi : Soins. Il les garde au plus 3 ans." (may be empty)
    writes: bool

    @property
    def sentence(self) -> str:
        return f"{self.does} {self.details}" if self.details else self.does


def _use_of(service, scope: str):
    return next((u for u in (getattr(service, "data_uses", None) or []) if u.scope == scope), None)


def permission_line(service, scope: str) -> PermissionLine:
    """The sentence of one scope of ``service``, with its declared purpose and retention."""
    parsed = ResourceScope.parse(scope)
    if parsed is None:
        other = OTHER_SCOPE_SENTENCES.get(scope)
        return PermissionLine(scope, str(other) if other else scope, "", False)
    use = _use_of(service, scope)
    does, details = data_use_parts(
        data=str(RESOURCE_LABELS.get(parsed.resource, parsed.resource)),
        reads=parsed.reads,
        writes=parsed.writes,
        purpose=use.purpose.label if use else None,
        retention_days=use.retention_days if use else None,
    )
    return PermissionLine(scope, does, details, parsed.writes)


def permission_lines(service, scopes) -> list[PermissionLine]:
    """What ``scopes`` let ``service`` do, one sentence each (context and duration scopes
    left out: they are not permissions the citizen weighs one by one)."""
    return [permission_line(service, s) for s in scopes if s not in NOT_A_PERMISSION]
