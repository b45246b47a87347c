"""Uploaded files: recognised by their content (never by name or declared type) and
stored under ``ENS_DATA_DIR`` (outside the web root) with a random name.

Used by dossier evidence, complaint attachments, deletion attestations and FHIR
attachments; each caller chooses which types it accepts and its size limit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
# The first bytes of each accepted type (PNG: the 8-byte signature; JPEG: SOI + marker).
SIGNATURES = {
    PDF: b"%PDF-",
    PNG: b"\x89PNG\r\n\x1a\n",
    JPEG: b"\xff\xd8\xff",
}
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}


def sniff(content: bytes, allowed=SIGNATURES) -> str | None:
    """The MIME type of ``content`` among ``allowed``, or None when unrecognised."""
    return next((kind for kind in allowed if content.startswith(SIGNATURES[kind])), None)


def matches(content: bytes, content_type: str) -> bool:
    """Does ``content`` really have the ``content_type`` it claims?"""
    signature = SIGNATURES.get(content_type)
    return signature is not None and content.startswith(signature)


@dataclass(frozen=True)
class StoredFile:
    name: str  # random, safe as a file name
    sha256: str
    size: int


def folder(name: str) -> Path:
    path = Path(current_app.config["ENS_DATA_DIR"]) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(folder_name: str, content: bytes, content_type: str | None = None) -> StoredFile:
    """Write ``content`` under a random name in ``ENS_DATA_DIR/<folder_name>``."""
    name = secrets.token_hex(16) + EXTENSIONS.get(content_type or "", "")
    (folder(folder_name) / name).write_bytes(content)
    return StoredFile(name, hashlib.sha256(content).hexdigest(), len(content))


def path_of(folder_name: str, stored_name: str) -> Path:
    """The file's path; only the base name is used, so a stored value can't escape."""
    return folder(folder_name) / Path(stored_name).name
