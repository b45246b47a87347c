"""The country registry as a plain value (no database access), and its seed data.

``Registry`` answers "is XX a member of the EU / the EEA on date D?"; the rules engine
takes one as a parameter so that it stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

EU_FOUNDERS = date(1958, 1, 1)

# Today's 27 EU members with the date they joined (the EEC for the founders).
EU_MEMBERS: dict[str, tuple[str, date]] = {
    "BE": ("Belgique", EU_FOUNDERS),
    "DE": ("Allemagne", EU_FOUNDERS),
    "FR": ("France", EU_FOUNDERS),
    "IT": ("Italie", EU_FOUNDERS),
    "LU": ("Luxembourg", EU_FOUNDERS),
    "NL": ("Pays-Bas", EU_FOUNDERS),
    "DK": ("Danemark", date(1973, 1, 1)),
    "IE": ("Irlande", date(1973, 1, 1)),
    "GR": ("Grèce", date(1981, 1, 1)),
    "ES": ("Espagne", date(1986, 1, 1)),
    "PT": ("Portugal", date(1986, 1, 1)),
    "AT": ("Autriche", date(1995, 1, 1)),
    "FI": ("Finlande", date(1995, 1, 1)),
    "SE": ("Suède", date(1995, 1, 1)),
    "CY": ("Chypre", date(2004, 5, 1)),
    "CZ": ("Tchéquie", date(2004, 5, 1)),
    "EE": ("Estonie", date(2004, 5, 1)),
    "HU": ("Hongrie", date(2004, 5, 1)),
    "LV": ("Lettonie", date(2004, 5, 1)),
    "LT": ("Lituanie", date(2004, 5, 1)),
    "MT": ("Malte", date(2004, 5, 1)),
    "PL": ("Pologne", date(2004, 5, 1)),
    "SK": ("Slovaquie", date(2004, 5, 1)),
    "SI": ("Slovénie", date(2004, 5, 1)),
    "BG": ("Bulgarie", date(2007, 1, 1)),
    "RO": ("Roumanie", date(2007, 1, 1)),
    "HR": ("Croatie", date(2013, 7, 1)),
}

# EEA members outside the EU (the EEA Agreement entered into force on 1994-01-01).
EEA_ONLY: dict[str, tuple[str, date]] = {
    "IS": ("Islande", date(1994, 1, 1)),
    "NO": ("Norvège", date(1994, 1, 1)),
    "LI": ("Liechtenstein", date(1995, 5, 1)),
}

UK_LEFT = date(2020, 1, 31)

OTHER_COUNTRIES: dict[str, str] = {
    "GB": "Royaume-Uni",
    "US": "États-Unis",
    "CH": "Suisse",
    "CA": "Canada",
    "JP": "Japon",
    "IN": "Inde",
    "CN": "Chine",
    "AU": "Australie",
    "BR": "Brésil",
    "KR": "Corée du Sud",
    "IL": "Israël",
    "SG": "Singapour",
    "MA": "Maroc",
    "TN": "Tunisie",
    "DZ": "Algérie",
    "SN": "Sénégal",
    "TR": "Turquie",
    "UA": "Ukraine",
    "RU": "Russie",
    "ZA": "Afrique du Sud",
    "MX": "Mexique",
    "AE": "Émirats arabes unis",
}


def seed_rows() -> tuple[list[dict], list[dict]]:
    """Countries and membership periods of the initial registry (unions by enum name,
    as stored)."""
    countries, memberships = [], []
    for code, (name, joined) in EU_MEMBERS.items():
        countries.append({"code": code, "name": name})
        memberships.append({"country_code": code, "union": "EU", "joined_on": joined})
    for code, (name, joined) in EEA_ONLY.items():
        countries.append({"code": code, "name": name})
        memberships.append({"country_code": code, "union": "EEA", "joined_on": joined})
    for code, name in OTHER_COUNTRIES.items():
        countries.append({"code": code, "name": name})
    memberships.append(
        {"country_code": "GB", "union": "EU", "joined_on": date(1973, 1, 1), "left_on": UK_LEFT}
    )
    memberships.append(
        {"country_code": "GB", "union": "EEA", "joined_on": date(1994, 1, 1), "left_on": UK_LEFT}
    )
    return countries, memberships


@dataclass(frozen=True)
class Period:
    union: str
    joined_on: date
    left_on: date | None = None

    def covers(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


@dataclass
class Registry:
    """Membership periods by country code: ``{"NO": [Period("eea", ...)], ...}``."""

    periods: dict[str, list[Period]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def in_eu(self, code: str, on: date) -> bool:
        return any(p.union == "eu" and p.covers(on) for p in self.periods.get(code, ()))

    def in_eea(self, code: str, on: date) -> bool:
        """EU members are parties to the EEA Agreement; the others have EEA periods."""
        return any(p.covers(on) for p in self.periods.get(code, ()))

    def outside_since(self, code: str, union: str, on: date) -> date | None:
        """When the country last stopped being a member (None if it never was one)."""
        unions = ("eu",) if union == "eu" else ("eu", "eea")
        ends = [
            p.left_on
            for p in self.periods.get(code, ())
            if p.union in unions and p.left_on is not None and p.left_on <= on
        ]
        return max(ends) if ends else None

    def name(self, code: str) -> str:
        return self.names.get(code, code)
