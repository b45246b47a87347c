"""Conformance runs: start, withdraw the test citizen's consent, stop, evaluate.

Other packages (the editor portal, the referencing dossier, the public listing) call these
functions; they flush, the boundary commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from authz.conformance import checks
from authz.conformance.models import ConformanceEvent, ConformanceRun
from authz.models import Client, ClientKind, Grant
from authz.services import revoke_grant
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow

MAX_HOURS = 24


class ConformanceError(Exception):
    """A run operation that cannot be done now (the message says why, in French)."""


def get_run(run_id: int) -> ConformanceRun | None:
    return db.session.get(ConformanceRun, run_id)


def runs_of_client(client: Client) -> list[ConformanceRun]:
    return list(
        db.session.scalars(
            select(ConformanceRun)
            .where(ConformanceRun.client_id == client.id)
            .order_by(ConformanceRun.started_at.desc(), ConformanceRun.id.desc())
        )
    )


def events_of(run: ConformanceRun) -> list[ConformanceEvent]:
    return list(
        db.session.scalars(
            select(ConformanceEvent)
            .where(ConformanceEvent.run_id == run.id)
            .order_by(ConformanceEvent.at, ConformanceEvent.id)
        )
    )


def event_count(run: ConformanceRun) -> int:
    return db.session.scalar(
        select(func.count(ConformanceEvent.id)).where(ConformanceEvent.run_id == run.id)
    )


def start_run(
    editor, client: Client, *, declared_scopes: list[str], hours: int = MAX_HOURS, now=None
) -> ConformanceRun:
    """Open a run for a sandbox client, for ``hours`` (at most 24)."""
    now = now or utcnow()
    if client.kind is not ClientKind.SANDBOX:
        raise ConformanceError(_l("Seul un client de bac à sable peut faire l'objet d'un essai."))
    if not 1 <= hours <= MAX_HOURS:
        raise ConformanceError(_l("Un essai dure de 1 à 24 heures."))
    if any(run.is_open(now) for run in runs_of_client(client)):
        raise ConformanceError(_l("Un essai est déjà en cours pour ce client."))
    version, _checks = checks.load_checks()
    run = ConformanceRun(
        service_id=client.service_id,
        client_id=client.id,
        started_by_id=editor.id,
        started_at=now,
        ends_at=now + timedelta(hours=hours),
        checks_version=version,
        declared_scopes=" ".join(sorted(set(declared_scopes))),
    )
    db.session.add(run)
    db.session.flush()
    record_event(editor, "conformance.start", "service", client.service_id, run=run.id)
    return run


def withdraw_test_consent(editor, run: ConformanceRun, *, now=None) -> int:
    """Withdraw, mid-run, every live consent given to the run's client by the sandbox's
    test citizens; returns how many. The run records the moment (the REV-STOP check)."""
    now = now or utcnow()
    if not run.is_open(now):
        raise ConformanceError(_l("L'essai est terminé."))
    grants = list(
        db.session.scalars(
            select(Grant).where(Grant.client_id == run.client_id, Grant.revoked_at.is_(None))
        )
    )
    live = [grant for grant in grants if grant.is_active(now)]
    if not live:
        raise ConformanceError(
            _l(
                "Aucun consentement en cours : l'application doit d'abord obtenir l'accord "
                "d'un titulaire fictif."
            )
        )
    for grant in live:
        revoke_grant(grant, reason="conformance run: consent withdrawn", now=now)
    run.consent_withdrawn_at = now
    db.session.add(ConformanceEvent(run_id=run.id, at=now, kind="withdrawal", status=0))
    db.session.flush()
    record_event(editor, "conformance.withdraw", "service", run.service_id, run=run.id)
    return len(live)


def stop_run(editor, run: ConformanceRun, *, now=None) -> list[checks.Verdict]:
    """Close the run and evaluate it."""
    now = now or utcnow()
    if run.stopped_at is None:
        run.stopped_at = min(now, run.ends_at)
    verdicts = evaluate_run(run)
    record_event(editor, "conformance.stop", "service", run.service_id, run=run.id)
    return verdicts


def evaluate_run(run: ConformanceRun, *, now=None) -> list[checks.Verdict]:
    """Every check of the run's version over its events; a finished run keeps the summary."""
    verdicts = verdicts_of(run)
    if not run.is_open(now or utcnow()):
        run.verdicts = {v.check.id: v.status for v in verdicts}
        run.evaluated_at = now or utcnow()
        db.session.flush()
    return verdicts


def is_finished(run: ConformanceRun, now: datetime | None = None) -> bool:
    return not run.is_open(now or utcnow())


def mark_attached(run: ConformanceRun, *, now=None) -> None:
    """The run became evidence of a referencing dossier (review calls this)."""
    if run.verdicts == {}:
        evaluate_run(run, now=now)
    run.attached_at = now or utcnow()
    db.session.flush()


def latest_attached_run(service_id: int) -> ConformanceRun | None:
    """The most recent run attached to a dossier of ``service_id`` (the public listing)."""
    return db.session.scalar(
        select(ConformanceRun)
        .where(ConformanceRun.service_id == service_id, ConformanceRun.attached_at.is_not(None))
        .order_by(ConformanceRun.attached_at.desc())
        .limit(1)
    )


def verdicts_of(run: ConformanceRun) -> list[checks.Verdict]:
    """The report of a run (its version's checks over its events), without storing."""
    facts = checks.RunFacts(declared_scopes=frozenset(run.declared_scopes.split()))
    return checks.evaluate(events_of(run), facts, run.checks_version)


def finished_runs_of_service(service_id: int, *, now=None) -> list[ConformanceRun]:
    now = now or utcnow()
    runs = db.session.scalars(
        select(ConformanceRun)
        .where(ConformanceRun.service_id == service_id)
        .order_by(ConformanceRun.started_at.desc(), ConformanceRun.id.desc())
    )
    return [run for run in runs if not run.is_open(now)]
