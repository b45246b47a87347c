"""The lock file and pyproject.toml agree: what `make test` installs is what pyproject asks for.

pyproject.toml keeps compatible ranges (for people installing ENS Store as a library);
uv.lock pins the exact versions and hashes every install of ours uses. When someone edits
one without the other (`make lock` refreshes the lock), this test names the difference.
"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _lock():
    return tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))


def _declared() -> set[tuple[str, str, str]]:
    """(name, specifier, extra) for every requirement pyproject.toml declares."""
    project = _pyproject()
    found = set()
    groups = [("", project["dependencies"])]
    groups += sorted(project.get("optional-dependencies", {}).items())
    for extra, requirements in groups:
        for line in requirements:
            requirement = Requirement(line)
            found.add((canonicalize_name(requirement.name), str(requirement.specifier), extra))
    return found


def _root_package(lock):
    name = canonicalize_name(_pyproject()["name"])
    return next(p for p in lock["package"] if p["name"] == name)


def _locked_requirements(lock) -> set[tuple[str, str, str]]:
    found = set()
    for entry in _root_package(lock)["metadata"]["requires-dist"]:
        marker = entry.get("marker", "")
        extra = marker.split("==")[1].strip(" '\"") if "extra ==" in marker else ""
        specifier = str(Requirement(f"x{entry.get('specifier', '')}").specifier)
        found.add((canonicalize_name(entry["name"]), specifier, extra))
    return found


def test_lock_was_made_from_this_pyproject():
    declared, locked = _declared(), _locked_requirements(_lock())
    assert declared == locked, (
        "uv.lock is out of date with pyproject.toml; run `make lock`. "
        f"only in pyproject: {sorted(declared - locked)}; only in uv.lock: {sorted(locked - declared)}"
    )


def test_every_locked_version_satisfies_pyproject():
    lock = _lock()
    versions: dict[str, list[Version]] = {}
    for package in lock["package"]:
        if "version" in package:
            versions.setdefault(package["name"], []).append(Version(package["version"]))
    for name, specifier, _extra in _declared():
        pinned = versions.get(name)
        assert pinned, f"{name} is declared but not locked"
        wanted = Requirement(f"x{specifier}").specifier
        assert all(wanted.contains(v, prereleases=True) for v in pinned), (name, specifier, pinned)


def test_every_locked_file_carries_a_hash():
    for package in _lock()["package"]:
        files = list(package.get("wheels", [])) + ([package["sdist"]] if "sdist" in package else [])
        for file in files:
            assert file.get("hash", "").startswith("sha256:"), (package["name"], file)
