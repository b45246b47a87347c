"""Message catalogues, one per package: extract, update the English .po, compile the .mo.

Source strings are French (the interface language); English lives in
``<unit>/translations/en/LC_MESSAGES/messages.po``, where a unit is a package or a
sub-package with its own ``translations/`` folder. Templates under ``templates/<unit>/``
belong to that unit, every other template to ens_core.
Used by ``ens i18n update`` and by the test that keeps English complete.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ens_core", "catalogue", "review", "authz")
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def units() -> list[str]:
    """Every catalogue owner: the four packages, and any sub-package (``review/commission``)
    with a ``translations/`` folder of its own, so that parallel work never edits one file."""
    found = list(PACKAGES)
    for package in PACKAGES:
        for sub in sorted((ROOT / package).iterdir()):
            if (sub / "__init__.py").exists() and (sub / "translations").is_dir():
                found.append(f"{package}/{sub.name}")
    return found


def translation_dirs() -> list[str]:
    return [str(ROOT / unit / "translations") for unit in units()]


def po_path(unit: str) -> Path:
    return ROOT / unit / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _owner(relative: str, all_units: list[str]) -> str:
    """The unit owning a path relative to the root (longest matching prefix)."""
    matches = [u for u in all_units if relative == u or relative.startswith(u + "/")]
    return max(matches, key=len, default="ens_core")


def extract(unit: str):
    all_units = units()
    catalog = Catalog(locale="en", domain="messages", project="ENS Store")
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        ROOT / unit, [("**.py", "python")], keywords=KEYWORDS
    ):
        if _owner(f"{unit}/{filename}", all_units) == unit:
            catalog.add(message, locations=[(f"{unit}/{filename}", lineno)])
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        ROOT / "templates",
        [("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        if _owner(filename, all_units) == unit:
            catalog.add(message, locations=[(f"templates/{filename}", lineno)])
    return catalog


def read(package: str):
    path = po_path(package)
    if not path.exists():
        return Catalog(locale="en", domain="messages", project="ENS Store")
    with path.open("rb") as handle:
        return read_po(handle, locale="en")


def compiled(catalog) -> bytes:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def messages(catalog) -> dict:
    """The translations a catalogue carries, header left out: {msgid: msgstr}."""
    def plain(value):  # plural forms come as lists from a .mo, tuples from a .po
        return value if isinstance(value, str) else tuple(value)

    return {
        plain(message.id): plain(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def stale_compiled_messages(package: str) -> list[str]:
    """Message ids whose compiled (.mo) translation differs from the .po, either way."""
    mo = po_path(package).with_suffix(".mo")
    if not mo.exists():
        return ["<no compiled catalogue>"]
    with mo.open("rb") as handle:
        compiled_messages = messages(read_mo(handle))
    source = messages(read(package))
    differing = {
        key for key in source.keys() | compiled_messages.keys()
        if source.get(key) != compiled_messages.get(key)
    }
    return sorted(str(key if isinstance(key, str) else key[0]) for key in differing)


def untranslated(package: str) -> list[str]:
    catalog = read(package)
    missing = []
    for message in extract(package):
        if not message.id:
            continue
        existing = catalog.get(message.id)
        if existing is None or not (
            existing.string if isinstance(existing.string, str) else all(existing.string)
        ):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update(package: str) -> int:
    """Merge new messages into the .po (keeping translations), write the .mo; returns
    the number of messages still untranslated."""
    catalog = read(package)
    catalog.update(extract(package), no_fuzzy_matching=True)
    # Fixed dates: regenerating a catalogue must not create diffs (or merge conflicts).
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    path = po_path(package)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(
            handle,
            catalog,
            width=100,
            omit_header=False,
            ignore_obsolete=True,
            no_location=False,
            sort_output=True,
        )
    (path.with_suffix(".mo")).write_bytes(compiled(read(package)))
    return len(untranslated(package))


i18n_cli = AppGroup("i18n", help="Translations.")


@i18n_cli.command("update")
def update_command() -> None:
    """Extract messages, update every package's English .po and compile the .mo."""
    for unit in units():
        missing = update(unit)
        click.echo(f"{unit}: {missing} message(s) to translate in {po_path(unit)}")


@i18n_cli.command("compile")
def compile_command() -> None:
    """Compile every .po into the .mo the app loads (no extraction: the .po files are
    left exactly as they are)."""
    for unit in units():
        po_path(unit).with_suffix(".mo").write_bytes(compiled(read(unit)))
        click.echo(f"{unit}: compiled")


@i18n_cli.command("fill")
@click.argument("translations", type=click.File("r", encoding="utf-8"))
def fill_command(translations) -> None:
    """Fill empty English translations from a JSON object {"French": "English"}."""
    wanted = json.load(translations)
    for package in units():
        update(package)
        catalog = read(package)
        filled = 0
        catalog.creation_date = catalog.revision_date = FIXED_DATE
        for message in catalog:
            if message.id and not message.string and message.id in wanted:
                message.string = wanted[message.id]
                filled += 1
        with po_path(package).open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, ignore_obsolete=True)
        po_path(package).with_suffix(".mo").write_bytes(compiled(read(package)))
        click.echo(f"{package}: {filled} filled, {len(untranslated(package))} still missing")
