"""Service logos: where a stored logo is, and how it is served. The editor portal checks
and stores logos (``catalogue.editor.services.store_logo``); the public catalogue serves
those of listed services at ``/catalogue/<slug>/logo`` so that pages, the open data and
``/.well-known/applications`` can point at them."""

from __future__ import annotations

from pathlib import Path

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
