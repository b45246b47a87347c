"""Demo records of decisions: ``permission`` (the delegation to sign decisions) and
``decision`` (the authority's act on a dossier with an opinion, dated when the story
says). See ``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask

from catalogue.models import DataPurpose
from ens_core.demo import DemoContext, register_kind
from ens_core.demo.dates import as_datetime
from review.decisions import sources
from review.decisions.demo_catalogue import load_listing
from review.decisions.models import Outcome, Permission
from review.decisions.services import decision_of, grant_permission, has_permission, record_decision


def load_permission(ctx: DemoContext, fields: dict) -> bool:
    user, permission = ctx.get("user", fields["user"]), Permission(fields["permission"])
    if has_permission(user, permission):
        return False
    granted_by = ctx.get("user", fields["by"]) if fields.get("by") else None
    grant_permission(granted_by, user, permission)
    return True


def load_decision(ctx: DemoContext, fields: dict) -> bool:
    """Reference (approving every requested use unless ``approved`` lists some) or refuse."""
    dossier = ctx.get("dossier", fields["dossier"])
    if decision_of(dossier) is not None:
        return False
    approved = fields.get("approved")
    uses = (
        [
            sources.DataUse(u["scope"], DataPurpose(u["purpose"]), u["retention_days"])
            for u in approved
        ]
        if approved
        else sources.requested_uses(dossier)
    )
    record_decision(
        ctx.get("user", fields["by"]),
        dossier,
        outcome=Outcome(fields["outcome"]),
        reasons=fields.get("reasons", ""),
        valid_until=fields.get("valid_until"),
        approved_uses=uses,
        now=as_datetime(fields["at"]),
    )
    return True


def register(app: Flask) -> None:
    register_kind(app, "permission", load_permission)
    register_kind(app, "decision", load_decision)
    register_kind(app, "listing", load_listing)
