"""The service directory: what the lower layers know about a catalogue service.

Services (the apps and sites of the catalogue) belong to the catalogue package, above
ens_core and authz. The health space shows a service's public name, the FHIR API stamps
its slug on what it writes, the authorization server shows it on the consent screen and
asks whether it may receive tokens: they ask :data:`SERVICES`, which the catalogue
provides in its ``init_app``. None of them reads the catalogue's tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Protocol, runtime_checkable

from sqlalchemy import Select

from ens_core.providers import Slot


class DataUseRef(Protocol):
    """A data use the commission approved: a scope, its purpose, its retention."""

    scope: str
    purpose: object  # an enum member with ``value`` and ``label``
    retention_days: int


class ServiceRef(Protocol):
    """The attributes of a service the lower layers read (a catalogue ``Service``)."""

    id: int
    slug: str
    name: str
    referenced_at: datetime | None
    organisation: object  # with ``legal_name``
    data_uses: list[DataUseRef]


@dataclass(frozen=True)
class ServiceCard:
    """What a FHIR call reads of its service (:meth:`ServiceDirectory.card`): read in one
    statement on the API's express lane, where a whole ``Service`` would cost more than
    the call."""

    id: int
    slug: str
    name: str
    status: object  # the catalogue's status enum member: ``may_use_tokens`` reads it
    organisation: SimpleNamespace  # with ``legal_name``


@runtime_checkable
class ServiceDirectory(Protocol):
    def get(self, service_id: int) -> ServiceRef | None:
        """One service, or None."""

    def card(self, service_id: int) -> ServiceCard | None:
        """One service's :class:`ServiceCard` (its status as it stands now), or None."""

    def cards(self) -> Select:
        """Every service's card as a SELECT whose first column is the service's id: a
        caller joins it to read a card in its own statement (:meth:`card_from_row`)."""

    def card_from_row(self, row) -> ServiceCard:
        """The card of a row of :meth:`cards` (its columns, and none else)."""

    def by_ids(self, service_ids: Iterable[int]) -> dict[int, ServiceRef]:
        """Many services at once (one query), by id; unknown ids are left out."""

    def reportable(self) -> list[ServiceRef]:
        """The services a citizen may report an abuse about (listed once), by name."""

    def may_use_tokens(self, service: ServiceRef, *, sandbox: bool) -> bool:
        """May the service's production (or sandbox) clients obtain and use tokens now?"""

    def hosting_countries(self, service: ServiceRef) -> list[str]:
        """The countries hosting the service's health data today."""

    def logo_url(self, service: ServiceRef) -> str | None:
        """Where the service's logo is served to everyone, or None when it has none."""

    def page_url(self, service: ServiceRef) -> str | None:
        """The service's public page in the catalogue, or None when it is not listed."""


SERVICES = Slot("service directory", ServiceDirectory)
