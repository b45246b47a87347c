"""The measurement types of the national store's measures guide (LOINC + UCUM), and the
data types a citizen can hide from every service."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ens_core.i18n import number

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
BP_SYSTOLIC = "8480-6"
BP_DIASTOLIC = "8462-4"


@dataclass(frozen=True)
class MeasureType:
    key: str
    label: object
    codes: dict[str, str]  # LOINC code -> the UCUM unit required with it
    display: str
    minimum: float
    maximum: float
    components: tuple[str, ...] = field(default=())

    @property
    def default_code(self) -> str:
        return next(iter(self.codes))


MEASURE_TYPES = [
    MeasureType("weight", _l("Poids"), {"29463-7": "kg"}, "Body weight", 0.2, 500),
    MeasureType("height", _l("Taille"), {"8302-2": "cm"}, "Body height", 20, 272),
    MeasureType("bmi", _l("Indice de masse corporelle"), {"39156-5": "kg/m2"}, "BMI", 5, 100),
    MeasureType(
        "blood_pressure",
        _l("Tension artérielle"),
        {"85354-9": "mm[Hg]"},
        "Blood pressure panel with all children optional",
        20,
        300,
        components=(BP_SYSTOLIC, BP_DIASTOLIC),
    ),
    MeasureType("heart_rate", _l("Fréquence cardiaque"), {"8867-4": "/min"}, "Heart rate", 10, 300),
    MeasureType("temperature", _l("Température"), {"8310-5": "Cel"}, "Body temperature", 25, 45),
    MeasureType(
        "glucose",
        _l("Glycémie"),
        {"2339-0": "mg/dL", "15074-8": "mmol/L"},
        "Glucose [Mass/volume] in Blood",
        0.5,
        1000,
    ),
    MeasureType(
        "head_circumference",
        _l("Périmètre crânien"),
        {"9843-4": "cm"},
        "Head Occipital-frontal circumference",
        15,
        80,
    ),
    MeasureType("pain", _l("Douleur"), {"72514-3": "{score}"}, "Pain severity 0-10", 0, 10),
    MeasureType(
        "steps", _l("Nombre de pas"), {"55423-8": "{steps}/d"}, "Number of steps", 0, 200000
    ),
    MeasureType("waist", _l("Tour de taille"), {"8280-0": "cm"}, "Waist circumference", 20, 300),
]
MEASURES = {m.key: m for m in MEASURE_TYPES}
BY_CODE = {code: m for m in MEASURE_TYPES for code in m.codes}
GLUCOSE_UNITS = {"2339-0": "mg/dL", "15074-8": "mmol/L"}

DOCUMENT_TYPES = {
    "11506-3": _l("Compte rendu de suivi"),
    "18842-5": _l("Lettre de sortie"),
    "11502-2": _l("Résultats de biologie"),
    "18748-4": _l("Compte rendu d'imagerie"),
    "57833-6": _l("Ordonnance"),
    "11488-4": _l("Compte rendu de consultation"),
    "34133-9": _l("Synthèse"),
}

# What can be hidden from every service: each measure type, plus appointments.
HIDEABLE_TYPES = {m.key: m.label for m in MEASURE_TYPES} | {"appointments": _l("Rendez-vous")}


# UCUM units (what the FHIR API stores) as people write them: the one mapping.
UNITS_FOR_PEOPLE = {
    "mm[Hg]": "mmHg",
    "{steps}/d": _l("pas/jour"),
    "/min": _l("battements/min"),
    "Cel": "°C",
    "kg/m2": "kg/m²",
    "{score}": _l("sur 10"),
}

# FHIR resource types (and the health space's own pages a guardian's view is logged on)
# as the citizen reads them in her history.
RESOURCE_TYPE_LABELS = {
    "Observation": _l("Mesure"),
    "DocumentReference": _l("Document"),
    "Binary": _l("Document"),
    "Appointment": _l("Rendez-vous"),
    "Patient": _l("Profil"),
    "Bundle": _l("Export de données"),
    "Dashboard": _l("Tableau de bord"),
    "Grant": _l("Services connectés"),
    "AccessLog": _l("Historique des accès"),
}


def unit_for_people(unit: str) -> str:
    return str(UNITS_FOR_PEOPLE.get(unit, unit))


def resource_type_label(resource_type: str) -> str:
    return str(RESOURCE_TYPE_LABELS.get(resource_type, resource_type))


def format_value(measurement) -> str:
    """ "68,5 kg", "128/80 mmHg", "8 432 pas/jour": numbers by the page's locale."""
    unit = unit_for_people(measurement.unit)
    if measurement.value2 is not None:
        return f"{number(measurement.value)}/{number(measurement.value2)} {unit}"
    return f"{number(measurement.value)} {unit}"
