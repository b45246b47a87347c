"""Evidence files: PDF or PNG only, at most 10 MB, recognised by their content.

Files are stored under ``ENS_DATA_DIR/evidence`` (never under the static folder) with a
random name; the original name is kept only for the download.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Magic bytes: PDF files start with "%PDF-", PNG files with the 8-byte PNG signature.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


class EvidenceRejected(ValueError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    original_name: str


def sniff(content: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    return None


def check_upload(storage) -> CheckedFile:
    """Read an uploaded file (werkzeug FileStorage) and check it; raises EvidenceRejected."""
    content = storage.stream.read(MAX_EVIDENCE_BYTES + 1)
    if not content:
        raise EvidenceRejected(_("Le fichier est vide."))
    if len(content) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(_("Le fichier dépasse 10 Mo."))
    kind = sniff(content)
    if kind is None:
        raise EvidenceRejected(
            _("Seuls les fichiers PDF et PNG sont acceptés (contenu non reconnu).")
        )
    name = Path(storage.filename or "piece").name[:150] or "piece"
    return CheckedFile(content, kind[0], kind[1], name)


def evidence_dir() -> Path:
    directory = Path(current_app.config["ENS_DATA_DIR"]) / "evidence"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def store(checked: CheckedFile) -> tuple[str, str]:
    """Write the file; returns ``(stored_name, sha256)``."""
    stored_name = secrets.token_hex(16) + checked.extension
    (evidence_dir() / stored_name).write_bytes(checked.content)
    return stored_name, hashlib.sha256(checked.content).hexdigest()


def path_of(stored_name: str) -> Path:
    return evidence_dir() / Path(stored_name).name
