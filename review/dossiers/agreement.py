"""Agreement between two independent evaluators: pure functions, exact arithmetic.

Two agents rate the same criteria of a dossier (compliant, non compliant, not
applicable). Only the criteria **both** rated are compared; a criterion one agent left
blank is excluded from every figure.

- *percent agreement* ``p_o`` is the share of compared criteria given the same verdict;
- *Cohen's κ* corrects it for the agreement expected by chance,
  ``κ = (p_o − p_e) / (1 − p_e)`` where ``p_e = Σ_k p₁(k)·p₂(k)`` sums, over the
  categories, the product of each agent's share of that category.

κ is **undefined** when ``p_e = 1``: both agents gave one and the same category to every
compared criterion (e.g. all "compliant"). They agree perfectly, but there is nothing
chance could not explain, so the screens say "non calculable" while the percent
agreement (100 %) is still shown. κ is also undefined when nothing was compared.

Figures are ``fractions.Fraction``; formatting belongs to the screens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Agreement:
    compared: int  # criteria both agents rated
    agreed: int  # of which the same verdict
    percent: Fraction | None  # agreed / compared; None when nothing was compared
    kappa: Fraction | None  # Cohen's κ; None when undefined (see the module's docstring)
    divergences: tuple = ()  # keys (criterion codes) where the verdicts differ

    @property
    def kappa_defined(self) -> bool:
        return self.kappa is not None


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> Agreement:
    """Percent agreement and κ of ``(first agent's rating, second's)`` pairs."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return Agreement(0, 0, None, None)
    agreed = sum(1 for a, b in pairs if a == b)
    observed = Fraction(agreed, n)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(
        (Fraction(first[k], n) * Fraction(second[k], n) for k in first.keys() & second.keys()),
        Fraction(0),
    )
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(n, agreed, observed, kappa)


def compare(first: Mapping, second: Mapping) -> Agreement:
    """Agreement of two agents' ratings keyed by criterion (code): only the keys both
    rated count; ``divergences`` lists, in the first mapping's order, where they differ.
    A ``None`` rating counts as not rated."""
    keys = [k for k, v in first.items() if v is not None and second.get(k) is not None]
    result = cohen_kappa((first[k], second[k]) for k in keys)
    return Agreement(
        result.compared,
        result.agreed,
        result.percent,
        result.kappa,
        tuple(k for k in keys if first[k] != second[k]),
    )
