"""Demo record ``listing``: a service referenced before the story begins. Its decision is
not replayed (no dossier, no session): the listing is published as a referencing decision
publishes it, with its scores, its approved data uses and the écoscore computed by the
review's own scoring from the journey it measured. It fills the demo catalogue so that
search and every filter have something to show. See ``ens_core/demo/data/README.md``."""

from __future__ import annotations

from catalogue.models import DataPurpose, ServiceStatus
from catalogue.services import publish_referencing
from ens_core.demo import DemoContext
from ens_core.demo.dates import as_datetime
from review.scoring.services import ecoscore_of_journey


def load_listing(ctx: DemoContext, fields: dict) -> bool:
    service = ctx.get("service", fields["service"])
    if service.status is not ServiceStatus.DRAFT:
        return False
    value, grade, details = ecoscore_of_journey(fields["journey"], fields.get("measured_on", ""))
    publish_referencing(
        service,
        actor=ctx.get("user", fields["by"]),
        decided_at=as_datetime(fields["at"]),
        valid_until=fields["valid_until"],
        data_uses=[
            (use["scope"], DataPurpose(use["purpose"]), int(use["retention_days"]))
            for use in fields["data_uses"]
        ],
        scores=dict(fields["scores"]),
        ecoscore_value=value,
        ecoscore_grade=grade,
        ecoscore_details=details,
        summary=fields.get("summary", "Service référencé pour trois ans."),
    )
    return True
