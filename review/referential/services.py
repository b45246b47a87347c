"""Loading, publishing and comparing referential versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from marshmallow import ValidationError
from sqlalchemy import select

from ens_core.db import db
from review.referential.models import AnswerType, Area, Criterion, ReferentialVersion
from review.referential.schemas import ReferentialFileSchema

DATA_DIR = Path(__file__).resolve().parent / "data"
# libyaml's safe loader when installed: the demo load reads both shipped files each time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHIPPED_FILES = ("referential-2022.yaml", "referential-2023.yaml")


class ReferentialError(ValueError):
    """A referential file cannot be loaded; ``messages`` says why."""

    def __init__(self, message: str, messages: dict | None = None):
        super().__init__(message)
        self.messages = messages or {}


class ReferentialImmutable(ReferentialError):
    """The version id is already published with a different content."""


def _json_ready(value):
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_referential(text: str) -> dict:
    """Parse and validate the text of a referential file; raises ReferentialError."""
    try:
        raw = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        raise ReferentialError(f"Not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ReferentialError("A referential file is a mapping (version, title, criteria).")
    try:
        return ReferentialFileSchema().load(_json_ready(raw))
    except ValidationError as error:
        raise ReferentialError("Invalid referential file.", error.messages) from error


def content_hash(data: dict) -> str:
    canonical = json.dumps(_json_ready(data), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def get_version(version: str) -> ReferentialVersion | None:
    return db.session.scalar(
        select(ReferentialVersion).where(ReferentialVersion.version == version)
    )


def list_versions() -> list[ReferentialVersion]:
    return list(
        db.session.scalars(
            select(ReferentialVersion).order_by(ReferentialVersion.effective_from.desc())
        )
    )


def current_version(on: date | None = None) -> ReferentialVersion | None:
    """The version in force on ``on`` (default today): the latest effective one."""
    on = on or date.today()
    return db.session.scalar(
        select(ReferentialVersion)
        .where(ReferentialVersion.effective_from <= on)
        .order_by(ReferentialVersion.effective_from.desc())
        .limit(1)
    )


def publish_referential(data: dict) -> tuple[ReferentialVersion, bool]:
    """Publish validated data; returns ``(version, created)``.

    Loading the same content again is a no-op; a different content under an already
    published version id raises ReferentialImmutable and changes nothing.
    """
    digest = content_hash(data)
    existing = get_version(data["version"])
    if existing is not None:
        if existing.content_hash != digest:
            raise ReferentialImmutable(
                f"Version {data['version']} is already published with a different content; "
                "published versions are immutable: publish a new version id instead."
            )
        return existing, False
    version = ReferentialVersion(
        version=data["version"],
        title=data["title"],
        notes=data.get("notes") or {},
        effective_from=data["effective_from"],
        content_hash=digest,
        double_evaluation=(
            sorted(set(data["double_evaluation"])) if "double_evaluation" in data else None
        ),
    )
    for position, item in enumerate(data["criteria"], start=1):
        version.criteria.append(
            Criterion(
                position=position,
                code=item["code"],
                area=Area(item["area"]),
                topic=item.get("topic") or "",
                statement=item["statement"],
                guidance=item.get("guidance") or {},
                mandatory=item["mandatory"],
                answer_type=AnswerType(item["answer_type"]),
                evidence_required=item["evidence_required"],
                weight=item["weight"],
            )
        )
    db.session.add(version)
    db.session.flush()
    return version, True


def load_referential_file(path: str | Path) -> tuple[ReferentialVersion, bool]:
    return publish_referential(parse_referential(Path(path).read_text(encoding="utf-8")))


def load_shipped_referentials() -> list[ReferentialVersion]:
    return [load_referential_file(DATA_DIR / name)[0] for name in SHIPPED_FILES]


@dataclass
class VersionDiff:
    added: list[Criterion] = field(default_factory=list)
    removed: list[Criterion] = field(default_factory=list)
    # (old, new, names of the changed attributes)
    changed: list[tuple[Criterion, Criterion, list[str]]] = field(default_factory=list)
    unchanged: int = 0


def compare_versions(old: ReferentialVersion, new: ReferentialVersion) -> VersionDiff:
    """Criteria added, removed and changed (by code) from ``old`` to ``new``."""
    before = {c.code: c for c in old.criteria}
    after = {c.code: c for c in new.criteria}
    diff = VersionDiff()
    for code, criterion in after.items():
        if code not in before:
            diff.added.append(criterion)
            continue
        a, b = before[code].comparable(), criterion.comparable()
        changes = [key for key in a if a[key] != b[key]]
        if changes:
            diff.changed.append((before[code], criterion, changes))
        else:
            diff.unchanged += 1
    diff.removed = [c for code, c in before.items() if code not in after]
    return diff


def criteria_by_area(version: ReferentialVersion) -> dict[Area, list[Criterion]]:
    grouped: dict[Area, list[Criterion]] = {area: [] for area in Area}
    for criterion in version.criteria:
        grouped[criterion.area].append(criterion)
    return grouped
