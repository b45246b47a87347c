"""The demo story as data (``data/``, see its README) and ``ens demo load``, which plays it
through the packages' public services. Packages register the record kinds they load from
their ``init_app`` (:func:`register_kind`, :func:`register_lookup`)."""

from ens_core.demo.cli import demo_cli
from ens_core.demo.loader import (
    DemoContext,
    DemoDataError,
    exists,
    load_demo,
    records_of,
    register_kind,
    register_lookup,
)

__all__ = [
    "DemoContext",
    "DemoDataError",
    "demo_cli",
    "exists",
    "load_demo",
    "records_of",
    "register_kind",
    "register_lookup",
]
