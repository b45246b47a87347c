"""Demo records of the dossiers' clocks: ``dossier_clock`` dates the steps of a dossier
that the story played on the day of the load (admissibility, evaluation, agenda, opinion,
decision) when the story says they happened, and adds the information requests it went
through, answered. See ``ens_core/demo/data/README.md``.

Backdated on purpose: no user can act in the past, yet the public timelines, the open-data
CSV and ``/statistiques`` need the months a real dossier takes.
"""

from __future__ import annotations

from flask import Flask

from ens_core.db import db
from ens_core.demo import DemoContext, DemoDataError, register_kind
from ens_core.demo.dates import as_datetime
from review.dossiers.models import Dossier, DossierState, InformationRequest


def _date_transitions(dossier: Dossier, dated: dict) -> bool:
    """The first transition into each state of ``dated`` happened on that date."""
    changed = False
    for state, when in dated.items():
        target = DossierState(state)
        transition = next((t for t in dossier.transitions if t.to_state is target), None)
        if transition is None:
            raise DemoDataError(f"the dossier never reached {target}")
        at = as_datetime(when)
        if transition.at != at:
            transition.at, changed = at, True
    return changed


def _add_requests(ctx: DemoContext, dossier: Dossier, requests: list[dict]) -> bool:
    """Answered information requests; the clock's paused days grow by their waits."""
    asked_already = {r.asked_at for r in dossier.information_requests}
    changed = False
    for request in requests:
        asked, answered = as_datetime(request["asked"]), as_datetime(request["answered"])
        if asked in asked_already:
            continue
        dossier.information_requests.append(
            InformationRequest(
                questions=request["questions"],
                asked_at=asked,
                asked_by_id=ctx.get("user", request["agent"]).id,
                deadline=as_datetime(request["deadline"]).date(),
                answer=request["answer"],
                answered_at=answered,
                answered_by_id=ctx.get("user", request["by"]).id,
            )
        )
        dossier.paused_days += max(0, (answered.date() - asked.date()).days)
        changed = True
    return changed


def load_dossier_clock(ctx: DemoContext, fields: dict) -> bool:
    dossier = ctx.get("dossier", fields["dossier"])
    changed = _date_transitions(dossier, fields.get("transitions", {}))
    changed |= _add_requests(ctx, dossier, fields.get("information_requests", []))
    db.session.flush()
    return changed


def register(app: Flask) -> None:
    register_kind(app, "dossier_clock", load_dossier_clock)
