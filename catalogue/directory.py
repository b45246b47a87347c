"""What the catalogue tells the lower layers about its services: the service directory
that ens_core declares (``ens_core.service_directory``), provided in ``init_app``."""

from __future__ import annotations

from flask import has_request_context, url_for
from sqlalchemy import Select

from catalogue import services
from catalogue.models import Service, ServiceStatus
from ens_core.service_directory import ServiceCard


class CatalogueDirectory:
    """``ens_core.service_directory.ServiceDirectory`` over the catalogue's services."""

    def get(self, service_id: int) -> Service | None:
        return services.get_service(service_id)

    def card(self, service_id: int) -> ServiceCard | None:
        return services.service_card(service_id)

    def cards(self) -> Select:
        return services.CARDS

    def card_from_row(self, row) -> ServiceCard:
        return services.card_from_row(row)

    def by_ids(self, service_ids) -> dict[int, Service]:
        return services.services_by_ids(service_ids)

    def reportable(self) -> list[Service]:
        return services.published_services()

    def may_use_tokens(self, service: Service, *, sandbox: bool) -> bool:
        return services.may_use_tokens(service, sandbox=sandbox)

    def hosting_countries(self, service: Service) -> list[str]:
        return services.hosting_countries(service)

    def logo_url(self, service: Service) -> str | None:
        if not has_request_context() or not service.logo_path or service.status not in LISTED:
            return None
        return url_for("editor_portal.logo_image", service_id=service.id)

    def page_url(self, service: Service) -> str | None:
        if not has_request_context() or service.status is ServiceStatus.DRAFT:
            return None
        return url_for("catalogue_public.service", slug=service.slug)


# The statuses whose logo everyone may see (``catalogue.editor.views.logo_image``).
LISTED = (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED)
