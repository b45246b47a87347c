"""Plain words for what a listing shows: data scopes, score areas, retention, countries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalogue.models import DataPurpose
from ens_core.scopes import ResourceScope
from ens_core.wording import RESOURCE_LABELS as RESOURCE_LABELS
from ens_core.wording import country_name as country_name
from ens_core.wording import data_use_sentence
from ens_core.wording import retention_in_words as retention_in_words

# Resource labels, retention and country names: one source, ens_core.wording (the consent
# screen and the health space say it the same way).
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
    for (_resource, _purpose, retention_days), line in grouped.items():
        line["access"] = access_label(ScopeAccess("", "", line["reads"], line["writes"]))
        line["sentence"] = data_use_sentence(
            data=line["label"],
            reads=line["reads"],
            writes=line["writes"],
            purpose=line["purpose"],
            retention_days=retention_days,
        )
    return list(grouped.values())
