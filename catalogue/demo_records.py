"""Demo records of the catalogue: ``organisation``, ``owner``, ``service`` (with its
hosting, sandbox client and logo) and ``logo`` (a generated one), loaded through the editor portal's services. See
``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask

from authz.models import Client, ClientKind
from authz.services import clients_of_service
from catalogue.editor.services import (
    SERVICE_FIELDS,
    create_service,
    declare_hosting,
    declare_owner,
    owner_history,
    store_logo,
)
from catalogue.logos import generated_logo_svg
from catalogue.services import create_organisation, find_organisation, get_service_by_slug
from ens_core.demo import DemoContext, register_kind, register_lookup

ORGANISATION_FIELDS = (
    "siren",
    "foreign_registration",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
)
SANDBOX_FIELDS = ("client_id", "secret", "redirect_uris")


def load_organisation(ctx: DemoContext, fields: dict) -> bool:
    if find_organisation(fields["legal_name"]) is not None:
        return False
    create_organisation(
        ctx.get("user", fields["founder"]),
        legal_name=fields["legal_name"],
        country=fields["country"],
        **{key: fields[key] for key in ORGANISATION_FIELDS if key in fields},
    )
    return True


def load_owner(ctx: DemoContext, fields: dict) -> bool:
    """A controlling-owner declaration (its entity name is its key within the
    organisation); the sovereignty rules see it at once, as for an editor's."""
    organisation = ctx.get("organisation", fields["organisation"])
    if any(row.entity_name == fields["entity_name"] for row in owner_history(organisation)):
        return False
    data = {key: value for key, value in fields.items() if key not in ("organisation", "by")}
    declare_owner(ctx.get("user", fields["by"]), organisation, data)
    return True


def load_service(ctx: DemoContext, fields: dict) -> bool:
    """A draft service with its sandbox client, hosting declarations and logo."""
    if get_service_by_slug(fields["slug"]) is not None:
        return False
    editor = ctx.get("user", fields["by"])
    data = {key: fields.get(key) for key in SERVICE_FIELDS} | {"slug": fields["slug"]}
    sandbox = {key: value for key, value in fields.get("sandbox_client", {}).items()}
    unknown = set(sandbox) - set(SANDBOX_FIELDS)
    if unknown:
        raise ValueError(f"sandbox_client: unknown fields {sorted(unknown)}")
    service, _client, _secret = create_service(
        editor, ctx.get("organisation", fields["organisation"]), data, sandbox_client=sandbox
    )
    for hosting in fields.get("hosting", []):
        declare_hosting(editor, service, hosting)
    if fields.get("logo") == "generated":
        _store_generated_logo(editor, service)
    elif fields.get("logo"):
        store_logo(editor, service, fields["logo"], ctx.read(fields["logo"]))
    return True


def _store_generated_logo(editor, service) -> None:
    """The service's initials on a colour of its own (``catalogue.logos``), stored as an
    editor's upload would be."""
    store_logo(
        editor, service, f"{service.slug}.svg", generated_logo_svg(service.name, service.slug)
    )


def load_logo(ctx: DemoContext, fields: dict) -> bool:
    """A generated logo for a service declared earlier in the story (skipped when it has
    one)."""
    service = ctx.get("service", fields["service"])
    if service.logo_path:
        return False
    _store_generated_logo(ctx.get("user", fields["by"]), service)
    return True


def production_client_of(slug: str) -> Client | None:
    """The production client a referencing decision gave the service ``slug`` (a lookup
    of the catalogue's: the authorization server below it knows services by id only)."""
    service = get_service_by_slug(slug)
    if service is None:
        return None
    return next((c for c in clients_of_service(service) if c.kind is ClientKind.PRODUCTION), None)


def register(app: Flask) -> None:
    register_kind(app, "organisation", load_organisation)
    register_kind(app, "owner", load_owner)
    register_kind(app, "service", load_service)
    register_kind(app, "logo", load_logo)
    register_lookup(app, "organisation", find_organisation)
    register_lookup(app, "service", get_service_by_slug)
    register_lookup(app, "production_client", production_client_of)
