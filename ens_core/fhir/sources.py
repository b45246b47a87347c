"""``meta.source`` of health records: which service (and which of its clients) wrote
each one, or the citizen themself. Names are looked up once per batch of records."""

from __future__ import annotations

from ens_core.fhir import mapping
from ens_core.fhir.access import AUTHORIZATION
from ens_core.service_directory import SERVICES


def source_key(record) -> tuple[int | None, int | None]:
    return record.source_service_id, record.source_client_id


def source_uris(records, caller=None) -> dict[tuple[int | None, int | None], str]:
    """``meta.source`` of every record, by :func:`source_key` (two queries at most; none
    for records written by the citizen, or by ``caller``'s own service and client: a
    service reading back what it wrote)."""
    uris = {}
    keys = {source_key(record) for record in records}
    if caller is not None:
        own = (caller.service.id, caller.client.id)
        if own in keys:
            uris[own] = mapping.source_uri(caller.service.slug, caller.client.client_id)
            keys.discard(own)
            if not keys:
                return uris
    services = SERVICES.get().by_ids({service_id for service_id, _ in keys if service_id})
    clients = AUTHORIZATION.get().client_ids({client for _, client in keys if client})
    for service_id, client_pk in keys:
        if service_id:
            uris[(service_id, client_pk)] = mapping.source_uri(
                services[service_id].slug, clients.get(client_pk)
            )
        else:
            uris[(service_id, client_pk)] = mapping.source_uri(None, None, person=True)
    return uris
