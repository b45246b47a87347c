"""Reading the demo story and playing it through the packages' own services.

``data/index.yaml`` lists the story's files in order. Each file holds ``records``, a list
of one-key mappings ``{kind: fields}`` played in order, and optional ``defaults`` per
kind, merged under each record of that kind (a default string may name a record field:
``"sandbox-{slug}"``). Each package registers, from its ``init_app``, the kinds it knows
how to load (a handler calling its own services) and the lookups other handlers use to
find its objects by natural key: so this module imports no package above ``ens_core``,
and the order of the story is the order of the data, not of registrations.

Handlers skip a record whose natural key already exists (loading twice changes nothing),
return whether they added something, and only flush: the caller commits once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app

from ens_core.db import db, utcnow
from ens_core.demo.dates import resolve

DATA_DIR = Path(__file__).resolve().parent / "data"
INDEX = "index.yaml"

Handler = Callable[["DemoContext", dict], bool | None]
Finder = Callable[[str], Any]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML (libyaml's parser when installed) where only ``true``/``false`` are
    booleans, as in YAML 1.2: Norway's country code ``NO`` stays a string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def _read_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe)


class DemoDataError(ValueError):
    """The data asks for something unknown or refused; the message says where."""


@dataclass
class DemoRegistry:
    kinds: dict[str, Handler] = field(default_factory=dict)
    lookups: dict[str, Finder] = field(default_factory=dict)


def _registry(app: Flask) -> DemoRegistry:
    return app.extensions.setdefault("ens_demo", DemoRegistry())


def _register(table: dict, what: str, name: str, function) -> None:
    if table.get(name, function) is not function:
        raise ValueError(f"demo {what} {name!r} is registered twice")
    table[name] = function


def register_kind(app: Flask, kind: str, handler: Handler) -> None:
    """``handler(ctx, fields)`` loads one record of ``kind``."""
    _register(_registry(app).kinds, "record kind", kind, handler)


def register_lookup(app: Flask, name: str, finder: Finder) -> None:
    """``finder(key)`` returns the object ``key`` names (e.g. a service by slug) or None."""
    _register(_registry(app).lookups, "lookup", name, finder)


@dataclass
class DemoContext:
    """What a handler gets besides its record: the moment of the load, lookups, files."""

    now: datetime
    registry: DemoRegistry
    data_dir: Path

    @property
    def today(self) -> date:
        return self.now.date()

    def find(self, name: str, key: str):
        finder = self.registry.lookups.get(name)
        if finder is None:
            raise DemoDataError(f"no package provides the lookup {name!r}")
        return finder(key)

    def get(self, name: str, key: str):
        found = self.find(name, key)
        if found is None:
            raise DemoDataError(f"unknown {name} {key!r}")
        return found

    def client_for(self, fields: dict):
        """The client ``fields`` name (``client``), else the production client of their
        ``service``: the one its referencing decision made."""
        if fields.get("client"):
            return self.get("client", fields["client"])
        return self.get("production_client", fields["service"])

    def read(self, filename: str) -> bytes:
        """A file of the story (a PDF, a logo), from ``data/files``."""
        return (self.data_dir / "files" / filename).read_bytes()


@dataclass
class LoadedFile:
    name: str
    records: int
    added: int


def exists(statement) -> bool:
    """Does the query (a record's natural key) find a row? Handlers skip the record then."""
    return db.session.scalar(statement.limit(1)) is not None


def story_files(data_dir: Path = DATA_DIR) -> list[str]:
    return list(_read_yaml(data_dir / INDEX)["files"])


def _with_defaults(defaults: dict, fields: dict) -> dict:
    """``fields`` over ``defaults`` (nested mappings merged); default strings formatted
    with the record's own plain fields."""
    plain = {k: v for k, v in fields.items() if isinstance(v, str | int | float)}

    def fill(value):
        if isinstance(value, str):
            return value.format_map(plain)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    merged = {key: fill(value) for key, value in defaults.items()}
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def read_records(name: str, *, now: datetime, data_dir: Path = DATA_DIR):
    """``(kind, fields)`` of each record of one file, defaults applied, dates resolved."""
    content = _read_yaml(data_dir / name) or {}
    defaults = content.get("defaults") or {}
    for number, record in enumerate(content.get("records") or [], start=1):
        if not (isinstance(record, dict) and len(record) == 1):
            raise DemoDataError(f"{name}, record {number}: expected one 'kind: fields' pair")
        [(kind, fields)] = record.items()
        try:
            fields = _with_defaults(defaults.get(kind, {}), fields or {})
        except KeyError as error:
            raise DemoDataError(
                f"{name}, record {number}: a default names {error}, which the record lacks"
            ) from error
        yield number, kind, resolve(fields, now=now)


def records_of(kind: str, *, data_dir: Path = DATA_DIR) -> list[dict]:
    """Every record of ``kind`` in the story (for tests and tools)."""
    now = utcnow()
    return [
        fields
        for name in story_files(data_dir)
        for _number, record_kind, fields in read_records(name, now=now, data_dir=data_dir)
        if record_kind == kind
    ]


def _load_file(ctx: DemoContext, name: str) -> LoadedFile:
    loaded = LoadedFile(name, 0, 0)
    for number, kind, fields in read_records(name, now=ctx.now, data_dir=ctx.data_dir):
        handler = ctx.registry.kinds.get(kind)
        if handler is None:
            raise DemoDataError(f"{name}, record {number}: no package loads {kind!r} records")
        try:
            added = handler(ctx, fields)
        except DemoDataError as error:
            raise DemoDataError(f"{name}, record {number} ({kind}): {error}") from error
        except Exception as error:
            raise DemoDataError(
                f"{name}, record {number} ({kind}): {type(error).__name__}: {error}"
            ) from error
        loaded.records += 1
        loaded.added += bool(added)
    db.session.flush()
    return loaded


def load_demo(*, through: str | None = None, data_dir: Path = DATA_DIR) -> list[LoadedFile]:
    """Play the story (up to and including the file ``through``); flushes, never commits."""
    files = story_files(data_dir)
    if through is not None:
        if through not in files:
            raise DemoDataError(f"{through!r} is not in {INDEX}")
        files = files[: files.index(through) + 1]
    ctx = DemoContext(now=utcnow(), registry=_registry(current_app), data_dir=data_dir)
    return [_load_file(ctx, name) for name in files]
