"""A sandbox conformance run as evidence of a dossier's interoperability and security
criteria: the editor attaches a finished run; agents and commission members read its
report beside the answers. The runs belong to authz; the dossier keeps the link and a
summary copied when it was attached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from authz.conformance import services as conformance
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.i18n import local_datetime
from review.dossiers.models import Dossier, DossierConformanceRun
from review.dossiers.services import DossierError
from review.surveillance.services import last_version_change_at

# The referential areas the report is evidence for.
AREAS = ("security", "interoperability")


@dataclass
class AttachedReport:
    link: DossierConformanceRun
    run: object
    verdicts: list
    stale: bool  # the service declared a new version after the run
    locale: str = "fr"

    @property
    def passed(self) -> int:
        return sum(1 for verdict in self.verdicts if verdict.status == "pass")


def link_of(dossier: Dossier) -> DossierConformanceRun | None:
    return db.session.scalar(
        select(DossierConformanceRun).where(DossierConformanceRun.dossier_id == dossier.id)
    )


def attachable_runs(dossier: Dossier) -> list:
    """The finished runs of the dossier's service, newest first."""
    return conformance.finished_runs_of_service(dossier.service_id)


def attach_conformance_run(editor, dossier: Dossier, run_id: int, *, now=None):
    """Attach one of the service's finished runs to the dossier (replacing an earlier one)."""
    now = now or utcnow()
    run = conformance.get_run(run_id)
    if run is None or run.service_id != dossier.service_id:
        raise DossierError(_("Cet essai n'est pas un essai de ce service."))
    if run.is_open(now):
        raise DossierError(_("Terminez l'essai avant de le joindre au dossier."))
    conformance.mark_attached(run, now=now)
    verdicts = conformance.verdicts_of(run)
    link = link_of(dossier) or DossierConformanceRun(dossier_id=dossier.id)
    link.run_id = run.id
    link.attached_by_id = editor.id
    link.attached_at = now
    link.summary = {
        "checks_version": run.checks_version,
        "passed": sum(1 for v in verdicts if v.status == "pass"),
        "total": len(verdicts),
        "run_started_at": run.started_at.isoformat(),
    }
    db.session.add(link)
    db.session.flush()
    record_event(editor, "dossier.conformance_attach", "dossier", dossier.id, run=run.id)
    return link


def attached_report(dossier: Dossier) -> AttachedReport | None:
    """The attached run's report, marked stale when a newer version was declared since."""
    link = link_of(dossier)
    if link is None:
        return None
    run = conformance.get_run(link.run_id)
    changed: datetime | None = last_version_change_at(dossier.service_id)
    stale = changed is not None and changed > run.started_at
    return AttachedReport(link, run, conformance.verdicts_of(run), stale, _language())


def _language() -> str:
    return getattr(get_locale(), "language", "fr") or "fr"


def attachable_choices(dossier: Dossier) -> list[tuple[str, str]]:
    """(run id, label) of the finished runs the editor may attach."""
    return [
        (
            str(run.id),
            _(
                "Essai du %(at)s (%(passed)s vérifications conformes)",
                at=local_datetime(run.started_at),
                passed=run.pass_count,
            ),
        )
        for run in attachable_runs(dossier)
    ]
