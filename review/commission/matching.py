"""Comparing organisation names: case, accents, punctuation and legal forms ignored."""

from __future__ import annotations

import re
import unicodedata

# Legal-form words removed wherever they stand (they never distinguish two groups).
LEGAL_FORMS = {
    "sas",
    "sasu",
    "sa",
    "sarl",
    "eurl",
    "sci",
    "sca",
    "snc",
    "selarl",
    "gmbh",
    "ag",
    "kg",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
    "corp",
    "corporation",
    "as",
    "asa",
    "ab",
    "oy",
    "bv",
    "nv",
    "spa",
    "srl",
    "sl",
}
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def normalise_name(name: str | None) -> str:
    """``"Santé-Connect S.A.S."`` → ``"sante connect"``."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace(".", "")
    text = _PUNCT.sub(" ", text).replace("_", " ")
    words = [w for w in _SPACES.split(text) if w and w not in LEGAL_FORMS]
    return " ".join(words)


def normalise_siren(siren: str | None) -> str:
    digits = re.sub(r"\D", "", siren or "")
    return digits if len(digits) == 9 else ""
