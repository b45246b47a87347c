"""Plain words for what a listing shows: data scopes, score areas, retention, countries."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalogue.models import DataPurpose
from ens_core.scopes import ResourceScope

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

SCORE_AREA_LABELS = {
    "security": _l("Sécurité"),
    "interoperability": _l("Interopérabilité"),
    "ethics": _l("Éthique"),
    "accessibility": _l("Accessibilité"),
    "ecology": _l("Écoconception"),
    "usability": _l("Facilité d'utilisation"),
    "medical": _l("Qualité médicale"),
}

ECOSCORE_MEASURE_LABELS = {
    "method": _l("Méthode"),
    "dom_elements": _l("Éléments de la page (DOM)"),
    "dom": _l("Éléments de la page (DOM)"),
    "requests": _l("Requêtes HTTP"),
    "page_weight_kb": _l("Poids de la page (ko)"),
    "size_kb": _l("Poids de la page (ko)"),
    "ghg_g": _l("Gaz à effet de serre (g éq. CO2 par page)"),
    "water_cl": _l("Eau (cl par page)"),
    "measured_at": _l("Date de la mesure"),
    "pages": _l("Pages mesurées"),
    "url": _l("Page mesurée"),
}

ECOSCORE_GRADES = ("A", "B", "C", "D", "E", "F", "G")


@dataclass(frozen=True)
class ScopeAccess:
    scope: str
    resource: str
    reads: bool
    writes: bool

    @property
    def label(self) -> str:
        return str(RESOURCE_LABELS.get(self.resource, self.resource))


def scope_access(scope: str) -> ScopeAccess | None:
    """What a SMART scope (v1 ``.read``/``.write``/``.*`` or v2 ``.cruds``, any context) lets
    a service do; None for scopes that are not about health data (``openid``,
    ``launch/patient``…). Read with the one scope grammar, ``ens_core.scopes``."""
    parsed = ResourceScope.parse(scope)
    if parsed is None:
        return None
    return ScopeAccess(scope, parsed.resource, parsed.reads, parsed.writes)


def access_label(access: ScopeAccess) -> str:
    if access.reads and access.writes:
        return _("Lire et écrire")
    return _("Lire") if access.reads else _("Écrire")


def retention_in_words(days: int) -> str:
    """ "1 an", "6 mois", "30 jours": the longest exact unit."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(num)d an", "%(num)d ans", years)
    if days >= 60 and days % 30 == 0:
        months = days // 30
        return ngettext("%(num)d mois", "%(num)d mois", months)
    return ngettext("%(num)d jour", "%(num)d jours", days)


def country_name(code: str) -> str:
    """The country's name in the interface language (Babel's CLDR data)."""
    locale = get_locale() or Locale("fr")
    return locale.territories.get(code.upper(), code.upper())


def score_area_label(area: str) -> str:
    return str(SCORE_AREA_LABELS.get(area, area.replace("_", " ").capitalize()))


def ecoscore_measure_label(key: str) -> str:
    return str(ECOSCORE_MEASURE_LABELS.get(key, key.replace("_", " ").capitalize()))


def plain_data_uses(uses) -> list[dict]:
    """Data uses (objects with ``scope``, ``purpose``, ``retention_days``: approved on a
    listing, or requested in a dossier) in plain words, one line per kind of data, purpose
    and retention (``Observation.rs`` and ``Observation.c`` read: "read and add")."""
    grouped: dict[tuple, dict] = {}
    for use in uses:
        access = scope_access(use.scope)
        key = (access.resource if access else use.scope, use.purpose, use.retention_days)
        line = grouped.setdefault(
            key,
            {
                "label": access.label if access else use.scope,
                "reads": False,
                "writes": False,
                "scopes": [],
                "purpose": DataPurpose(use.purpose).label,
                "retention": retention_in_words(use.retention_days),
            },
        )
        line["reads"] |= bool(access and access.reads)
        line["writes"] |= bool(access and access.writes)
        line["scopes"].append(use.scope)
    for line in grouped.values():
        line["access"] = access_label(ScopeAccess("", "", line["reads"], line["writes"]))
    return list(grouped.values())
