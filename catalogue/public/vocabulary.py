"""Plain words for what a listing shows: data scopes, score areas, retention, countries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalogue.models import DataPurpose
from ens_core.i18n import number
from ens_core.scopes import ResourceScope
from ens_core.wording import RESOURCE_LABELS as RESOURCE_LABELS
from ens_core.wording import country_name as country_name
from ens_core.wording import data_use_sentence
from ens_core.wording import retention_in_words as retention_in_words

# Resource labels, retention and country names: one source, ens_core.wording (the consent
# screen and the health space say it the same way).
SCORE_AREA_LABELS = {
    "urbanisation": _l("Urbanisation"),
    "environment": _l("Environnement"),
    "security": _l("Sécurité"),
    "interoperability": _l("Interopérabilité"),
    "ethics": _l("Éthique"),
    "accessibility": _l("Accessibilité"),
    "ecology": _l("Écoconception"),
    "usability": _l("Facilité d'utilisation"),
    "medical": _l("Qualité médicale"),
}

# What the review publishes with an écoscore (``review.scoring.services.ecoscore_for``):
# the method, the device or tool, the journey's steps and their grades, the mean grade of
# each metric and the EcoIndex of the web steps. Older listings carry flat EcoIndex figures.
ECOSCORE_MEASURE_LABELS = {
    "method": _l("Méthode"),
    "measured_on": _l("Appareil ou outil de mesure"),
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
# Keys shown in their own rows or table rather than as one value; ``thresholds`` are the
# method's constants (the same for every service), documented rather than repeated.
ECOSCORE_STRUCTURED = frozenset({"steps", "step_grades", "metric_means", "ecoindex"})
ECOSCORE_HIDDEN = frozenset({"thresholds"})
# Values written by the editor, in French: marked as such on English pages.
EDITOR_WORDS = frozenset({"measured_on", "url"})
# The method of the national écoscore, as the review names it when it publishes.
NATIONAL_METHOD_PREFIX = "ENS écoscore"
METRIC_LABELS = {
    "energy_ratio": _l("Énergie consommée (rapport à l'appareil au repos)"),
    "display_time_s": _l("Temps d'affichage (secondes)"),
    "data_kb": _l("Données échangées (ko)"),
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


@dataclass(frozen=True)
class EcoscoreMeasures:
    """An écoscore's published measurements, ready to show: ``facts`` as (label, value,
    language of the value: "fr" for the editor's own words, else None) rows, ``steps`` as
    one row per step of the measured journey (its label in the editor's words)."""

    facts: list[tuple[str, str, str | None]]
    steps: list[dict]


def _method_text(value) -> str:
    if str(value).startswith(NATIONAL_METHOD_PREFIX):
        return _(
            "Écoscore national : énergie, temps d'affichage et données échangées à chaque "
            "étape du parcours, chacune notée de 5 (sobre) à 1, poids égaux"
        )
    return str(value)


def _ecoindex_facts(ecoindex: dict) -> list[tuple[str, str, None]]:
    facts = [
        (
            _("EcoIndex des pages web du parcours"),
            _(
                "%(score)s sur 100 (classe %(grade)s)",
                score=number(ecoindex.get("score")),
                grade=ecoindex.get("grade", "—"),
            ),
            None,
        )
    ]
    if ecoindex.get("ghg") is not None:
        facts.append(
            (_("Gaz à effet de serre (g éq. CO2, total des pages)"), number(ecoindex["ghg"]), None)
        )
    if ecoindex.get("water") is not None:
        facts.append((_("Eau (cl, total des pages)"), number(ecoindex["water"]), None))
    return facts


def _journey_rows(details: dict) -> list[dict]:
    """One row per measured step: its figures, the grade of each metric (5 to 1) and, for a
    web page, its EcoIndex class."""
    grades = {g.get("label"): g.get("grades", {}) for g in details.get("step_grades") or []}
    pages = {p.get("label"): p for p in (details.get("ecoindex") or {}).get("pages", [])}
    rows = []
    for step in details.get("steps") or []:
        label = step.get("label", "")
        page = pages.get(label)
        rows.append(
            {
                "label": label,
                "metrics": [
                    (number(step.get(metric)), grades.get(label, {}).get(metric))
                    for metric in METRIC_LABELS
                ],
                "ecoindex": f"{number(page['score'])} ({page['grade']})" if page else "—",
            }
        )
    return rows


def ecoscore_measurements(details: dict | None) -> EcoscoreMeasures:
    """Every published measurement of an écoscore, labelled in the page's language: flat
    values, the mean grade of each metric, the EcoIndex, and the journey's steps."""
    details = details or {}
    facts = []
    for key, value in details.items():
        if key in ECOSCORE_STRUCTURED or key in ECOSCORE_HIDDEN or value in (None, ""):
            continue
        text = _method_text(value) if key == "method" else value
        shown = number(text) if _is_number(text) else str(text)
        facts.append((ecoscore_measure_label(key), shown, "fr" if key in EDITOR_WORDS else None))
    for metric, mean in (details.get("metric_means") or {}).items():
        label = METRIC_LABELS.get(metric, metric)
        facts.append(
            (
                _("Note moyenne : %(metric)s", metric=label),
                _("%(grade)s sur 5", grade=number(mean)),
                None,
            )
        )
    if details.get("ecoindex"):
        facts.extend(_ecoindex_facts(details["ecoindex"]))
    return EcoscoreMeasures(facts, _journey_rows(details))


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def metric_labels() -> list[str]:
    return [str(label) for label in METRIC_LABELS.values()]
