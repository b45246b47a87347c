"""Service logos: where a stored logo is, and how it is served. The editor portal checks
and stores logos (``catalogue.editor.services.store_logo``); the public catalogue serves
those of listed services at ``/catalogue/<slug>/logo`` so that pages, the open data and
``/.well-known/applications`` can point at them."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

from flask import Response, current_app, url_for

from catalogue.models import Service, ServiceStatus

LOGO_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# Statuses whose logo anyone may fetch: those whose public page shows it.
PUBLIC_STATUSES = (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED)
# An SVG is shown as an image, never as a document: no script, no external resource, no
# navigation, even when opened on its own.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
RASTER_POLICY = "default-src 'none'; sandbox"


def logo_file(service: Service) -> tuple[Path, str] | None:
    """The stored logo of ``service`` and its content type, or None."""
    if not service.logo_path:
        return None
    base = Path(current_app.config["ENS_DATA_DIR"]).resolve()
    path = (base / service.logo_path).resolve()
    kind = path.suffix.lstrip(".")
    if base not in path.parents or kind not in LOGO_TYPES or not path.is_file():
        return None
    return path, LOGO_TYPES[kind]


def logo_is_public(service: Service) -> bool:
    return service.status in PUBLIC_STATUSES


def public_logo_url(service: Service, *, external: bool = False) -> str | None:
    """The public address of a listed service's logo; it changes with every new logo
    (``v``), so browsers may keep it long."""
    if not service.logo_path or not logo_is_public(service):
        return None
    version = Path(service.logo_path).stem.rsplit("-", 1)[-1]
    return url_for("catalogue_public.logo", slug=service.slug, v=version, _external=external)


def logo_response(service: Service, *, public: bool) -> Response | None:
    """The logo as an HTTP answer (None when there is none): its stored content type,
    ``nosniff``, a sandboxing policy, inline with a file name; cacheable by anyone when
    ``public``, else private."""
    found = logo_file(service)
    if found is None:
        return None
    path, mimetype = found
    # Logos are small (512 KB at most): read at once rather than streamed.
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    response.headers["Content-Security-Policy"] = (
        SVG_POLICY if mimetype == "image/svg+xml" else RASTER_POLICY
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{service.slug}{path.suffix}"'
    response.set_etag(path.stem)
    return response


# --- generated logos ---------------------------------------------------------------------

# Background colours of generated logos: each keeps white initials at a contrast of 4.5:1
# or more (WCAG AA for text; ``contrast_with_white`` checks it).
LOGO_COLOURS = (
    "#1d4ed8",  # blue
    "#0f766e",  # teal
    "#7c3aed",  # violet
    "#b91c1c",  # red
    "#a21caf",  # magenta
    "#15803d",  # green
    "#c2410c",  # orange
    "#374151",  # grey
    "#0e7490",  # cyan
    "#9d174d",  # rose
)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio between white and ``colour`` (``#rrggbb``)."""
    return 1.05 / (_luminance(colour) + 0.05)


def initials(name: str) -> str:
    """One or two capital letters: the first letters of the first two words."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]) or "?"
    return unicodedata.normalize("NFC", letters.upper())


def generated_logo_svg(name: str, key: str | None = None) -> bytes:
    """A square SVG logo: the service's initials in white on a colour chosen by ``key``
    (default: the name). Same input, same bytes; no script, no external resource."""
    digest = hashlib.sha256((key or name).encode()).digest()
    colour = LOGO_COLOURS[digest[0] % len(LOGO_COLOURS)]
    text = initials(name)
    size = 40 if len(text) == 2 else 48
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">'
        f"<title>{escape(name)}</title>"
        f'<rect width="96" height="96" rx="20" fill="{colour}"/>'
        f'<text x="48" y="{48 + size * 0.36:.0f}" text-anchor="middle" '
        f'font-family="Marianne, Arial, sans-serif" font-size="{size}" font-weight="700" '
        f'fill="#ffffff">{escape(text)}</text></svg>'
    )
    return svg.encode()
