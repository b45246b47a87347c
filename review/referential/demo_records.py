"""Demo records of the referential: ``referential`` (publish a shipped version; publishing
the same content again changes nothing). See ``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask

from ens_core.demo import DemoContext, register_kind
from review.referential.services import DATA_DIR, load_referential_file


def load_referential(ctx: DemoContext, fields: dict) -> bool:
    _version, created = load_referential_file(DATA_DIR / fields["shipped"])
    return created


def register(app: Flask) -> None:
    register_kind(app, "referential", load_referential)
