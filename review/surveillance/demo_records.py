"""Demo records of surveillance: ``complaint`` (filed by an agent). See
``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ens_core.demo import DemoContext, exists, register_kind
from ens_core.demo.dates import as_datetime
from review.surveillance.models import Complaint, ComplaintCategory
from review.surveillance.services import file_complaint


def load_complaint(ctx: DemoContext, fields: dict) -> bool:
    service = ctx.get("service", fields["service"])
    if exists(
        select(Complaint.id).where(
            Complaint.service_id == service.id, Complaint.description == fields["description"]
        )
    ):
        return False
    file_complaint(
        ctx.get("user", fields["by"]),
        service,
        category=ComplaintCategory(fields["category"]),
        description=fields["description"],
        now=as_datetime(fields.get("at", ctx.now)),
    )
    return True


def register(app: Flask) -> None:
    register_kind(app, "complaint", load_complaint)
