"""The sovereignty rules engine: a pure function of a service's facts, the registry
and a date. No database access here; :mod:`review.sovereignty.facts` gathers the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from review.sovereignty.registry import Registry

HOSTING_OUTSIDE_EEA = "hosting_outside_eea"
HDS_MISSING = "hds_missing"
HDS_EXPIRED = "hds_expired"
OWNER_OUTSIDE_EU = "owner_outside_eu"

# Legal texts are proper names: shown as written, in French, in both languages.
LEGAL_BASIS = {
    HOSTING_OUTSIDE_EEA: "Doctrine du numérique en santé — hébergement dans l'EEE",
    HDS_MISSING: "Art. L.1111-8 CSP — hébergement certifié HDS",
    HDS_EXPIRED: "Art. L.1111-8 CSP — hébergement certifié HDS",
    OWNER_OUTSIDE_EU: "Cahier des charges ENS — actionnaire de contrôle hors UE",
}

CONTROL_THRESHOLD = 50.0  # strictly more than 50 % of the shares is control


@dataclass(frozen=True)
class HostingFact:
    provider: str
    country: str
    certificate_number: str | None
    certificate_expiry: date | None
    effective_from: date
    effective_to: date | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


@dataclass(frozen=True)
class OwnerFact:
    name: str
    country: str
    share_percent: float
    declared_control: bool
    effective_from: date
    effective_to: date | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    @property
    def controls(self) -> bool:
        return self.declared_control or self.share_percent > CONTROL_THRESHOLD


@dataclass(frozen=True)
class ServiceFacts:
    service_id: int
    hosting: tuple[HostingFact, ...] = ()
    owners: tuple[OwnerFact, ...] = ()


@dataclass(frozen=True)
class Breach:
    code: str
    legal_basis: str
    since: date
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "legal_basis": self.legal_basis,
            "since": self.since.isoformat(),
            "detail": self.detail,
        }


def evaluate(facts: ServiceFacts, registry: Registry, on: date) -> list[Breach]:
    """Every sovereignty breach of one service on ``on``, in a stable order."""
    breaches: list[Breach] = []
    hosting = [h for h in facts.hosting if h.in_force(on)]
    if not hosting:
        breaches.append(
            Breach(HDS_MISSING, LEGAL_BASIS[HDS_MISSING], on, {"provider": None, "country": None})
        )
    for h in hosting:
        where = {"provider": h.provider, "country": h.country}
        if not registry.in_eea(h.country, on):
            left = registry.outside_since(h.country, "eea", on)
            since = max(h.effective_from, left) if left else h.effective_from
            breaches.append(
                Breach(HOSTING_OUTSIDE_EEA, LEGAL_BASIS[HOSTING_OUTSIDE_EEA], since, where)
            )
        if not h.certificate_number or h.certificate_expiry is None:
            breaches.append(Breach(HDS_MISSING, LEGAL_BASIS[HDS_MISSING], h.effective_from, where))
        elif h.certificate_expiry < on:
            # The expiry date is the last day of validity.
            since = max(h.effective_from, date.fromordinal(h.certificate_expiry.toordinal() + 1))
            breaches.append(
                Breach(
                    HDS_EXPIRED,
                    LEGAL_BASIS[HDS_EXPIRED],
                    since,
                    {**where, "expiry": h.certificate_expiry.isoformat()},
                )
            )
    for o in facts.owners:
        if not (o.in_force(on) and o.controls) or registry.in_eu(o.country, on):
            continue
        left = registry.outside_since(o.country, "eu", on)
        since = max(o.effective_from, left) if left else o.effective_from
        breaches.append(
            Breach(
                OWNER_OUTSIDE_EU,
                LEGAL_BASIS[OWNER_OUTSIDE_EU],
                since,
                {"owner": o.name, "country": o.country, "share_percent": o.share_percent},
            )
        )
    return breaches
