"""Demo records of the health space: ``guardianship``, ``measures`` (a declared series),
``document``, ``appointment``, ``access_history`` (declared series of service calls) and
``hide_from_guardian``. Services and clients are found through the lookups the packages
above register, never imported. See ``ens_core/demo/data/README.md``."""

from __future__ import annotations

import mimetypes
from datetime import time, timedelta

from flask import Flask
from sqlalchemy import select

from ens_core.demo import DemoContext, exists, register_kind
from ens_core.demo.dates import as_datetime, days
from ens_core.demo.series import draw, rng_for, sample_days
from ens_core.health import delegation
from ens_core.health.access_log import record_access
from ens_core.health.models import (
    AccessLogEntry,
    Appointment,
    Document,
    GuardianshipKind,
    Measurement,
)
from ens_core.health.services import Source, add_appointment, add_document, add_measurement


def _source(ctx: DemoContext, citizen, spec) -> Source:
    """``self`` (the citizen's own entry) or ``{service: slug}`` (its production client,
    or ``client: client_id``)."""
    if spec in (None, "self"):
        return Source(person=citizen)
    return Source(service=ctx.get("service", spec["service"]), client=ctx.client_for(spec))


def _recorded(model, citizen, *conditions) -> bool:
    return exists(select(model.id).where(model.citizen_id == citizen.id, *conditions))


def _stamped_like(model, source: Source):
    if source.service is not None:
        return model.source_service_id == source.service.id
    return model.entered_by_id == source.person.id


def load_guardianship(ctx: DemoContext, fields: dict) -> bool:
    guardian, ward = ctx.get("user", fields["guardian"]), ctx.get("user", fields["ward"])
    if delegation.active_link(guardian, ward) is not None:
        return False
    delegation.link_guardian(
        ctx.get("user", fields["by"]),
        guardian,
        ward,
        GuardianshipKind(fields["kind"]),
        reference=fields.get("reference"),
    )
    return True


def load_measures(ctx: DemoContext, fields: dict) -> bool:
    """One measure every ``every`` days from ``from`` to ``to``, drawn by the rule."""
    citizen = ctx.get("user", fields["citizen"])
    source = _source(ctx, citizen, fields.get("source"))
    if _recorded(
        Measurement, citizen, Measurement.code == fields["code"], _stamped_like(Measurement, source)
    ):
        return False
    rng = rng_for(fields["seed"])
    at = time.fromisoformat(fields.get("time", "09:00"))
    for day in sample_days(fields["from"], fields["to"], days(fields["every"]), ctx.today):
        ago = (ctx.today - day).days
        data = {
            "code": fields["code"],
            "unit": fields["unit"],
            "effective_at": as_datetime(day, at),
            "value": draw(fields["value"], ago, rng),
        }
        if "value2" in fields:
            data["value2"] = draw(fields["value2"], ago, rng)
        add_measurement(citizen, data, source)
    return True


def load_document(ctx: DemoContext, fields: dict) -> bool:
    citizen = ctx.get("user", fields["citizen"])
    if _recorded(Document, citizen, Document.title == fields["title"]):
        return False
    document = add_document(
        citizen,
        {
            "type_code": fields["type_code"],
            "title": fields["title"],
            "date": as_datetime(fields["date"]),
            "content": ctx.read(fields["file"]),
            "content_type": mimetypes.guess_type(fields["file"])[0],
        },
        _source(ctx, citizen, fields.get("source")),
    )
    if fields.get("hidden_from_guardian"):
        delegation.set_hidden_from_guardian(citizen, document_id=document.id, hidden=True)
    return True


def load_appointment(ctx: DemoContext, fields: dict) -> bool:
    citizen = ctx.get("user", fields["citizen"])
    if _recorded(Appointment, citizen, Appointment.description == fields["description"]):
        return False
    start = as_datetime(fields["start"])
    add_appointment(
        citizen,
        {
            "status": fields["status"],
            "description": fields["description"],
            "practitioner": fields.get("practitioner"),
            "location": fields.get("location"),
            "start": start,
            "end": start + timedelta(minutes=fields.get("minutes", 30)),
        },
        _source(ctx, citizen, fields.get("source")),
    )
    return True


def load_access_history(ctx: DemoContext, fields: dict) -> bool:
    """Each day from ``from`` to ``to``, each call happens with probability ``chance``, at
    a drawn hour between ``hours``: the log the citizen reads under "Historique"."""
    citizen = ctx.get("user", fields["citizen"])
    calls = [(call, _source(ctx, citizen, call)) for call in fields["calls"]]
    if exists(
        select(AccessLogEntry.id).where(
            AccessLogEntry.citizen_id == citizen.id,
            AccessLogEntry.service_id.in_({source.service.id for _call, source in calls}),
        )
    ):
        return False
    rng = rng_for(fields["seed"])
    first, last = fields.get("hours", [8, 18])
    for day in sample_days(fields["from"], fields["to"], 1, ctx.today):
        for call, source in calls:
            if rng.random() >= fields.get("chance", 1):
                continue
            at = as_datetime(day, time(first)) + timedelta(hours=rng.randint(0, last - first))
            record_access(
                citizen,
                interaction=call["interaction"],
                resource_type=call["resource"],
                service=source.service,
                client=source.client,
                ip=fields.get("ip"),
                at=min(at, ctx.now),
            )
    return True


def load_hide_from_guardian(ctx: DemoContext, fields: dict) -> bool:
    """A minor of 15 or more hides a connected service from her guardians."""
    ward = ctx.get("user", fields["citizen"])
    service = ctx.get("service", fields["service"])
    hidden_services, _documents = delegation.hidden_from_guardian(ward)
    if service.id in hidden_services:
        return False
    delegation.set_hidden_from_guardian(ward, service_id=service.id, hidden=True)
    return True


def register(app: Flask) -> None:
    register_kind(app, "guardianship", load_guardianship)
    register_kind(app, "measures", load_measures)
    register_kind(app, "document", load_document)
    register_kind(app, "appointment", load_appointment)
    register_kind(app, "access_history", load_access_history)
    register_kind(app, "hide_from_guardian", load_hide_from_guardian)
