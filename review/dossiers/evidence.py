"""Evidence files: PDF or PNG only, at most 10 MB, recognised by their content.

Files are stored under ``ENS_DATA_DIR/evidence`` (never under the static folder) with a
random name; the original name is kept only for the download.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from flask import send_file
from flask_babel import gettext as _

from ens_core import uploads

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
ACCEPTED = (uploads.PDF, uploads.PNG)
FOLDER = "evidence"


class EvidenceRejected(ValueError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    original_name: str


def sniff(content: bytes) -> tuple[str, str] | None:
    kind = uploads.sniff(content, ACCEPTED)
    return (kind, uploads.EXTENSIONS[kind]) if kind else None


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


def store(checked: CheckedFile) -> tuple[str, str]:
    """Write the file; returns ``(stored_name, sha256)``."""
    stored = uploads.store(FOLDER, checked.content, checked.content_type)
    return stored.name, stored.sha256


def path_of(stored_name: str) -> Path:
    return uploads.path_of(FOLDER, stored_name)


def download(item):
    """The HTTP answer sending one evidence file (an ``Evidence`` row) as an attachment,
    never cached; None when its stored file is gone."""
    path = path_of(item.stored_name)
    if not path.is_file():
        return None
    # At most 10 MB: read at once, so that no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
