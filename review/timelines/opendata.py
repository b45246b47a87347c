"""``/opendata/dossiers.csv``: one row per decided dossier, its dates and durations in days.
No personal data: no names, no questions or answers; the service's public name only."""

from __future__ import annotations

import csv
import io

from flask import url_for
from flask_babel import lazy_gettext as _l

from catalogue.services import services_by_ids
from review.timelines.services import DossierClock, decided_clocks

# (column, what it holds): the CSV's header and its documentation on /statistiques.
COLUMNS = [
    ("dossier", _l("Numéro du dossier")),
    ("service", _l("Identifiant d'adresse du service (celui de sa page publique)")),
    ("service_name", _l("Nom du service")),
    ("referential_version", _l("Version du référentiel du dossier")),
    ("outcome", _l("Décision : referenced (référencement) ou refused (refus)")),
    ("submitted_on", _l("Date de dépôt (AAAA-MM-JJ)")),
    ("admissible_on", _l("Date de la recevabilité")),
    ("information_requests", _l("Nombre de demandes de compléments")),
    ("paused_days", _l("Jours de suspension du délai (attente des réponses de l'éditeur)")),
    ("evaluated_on", _l("Date de fin de l'évaluation")),
    ("session_on", _l("Date de la séance de la commission")),
    ("decided_on", _l("Date de la décision")),
    ("days_to_admissibility", _l("Jours du dépôt à la recevabilité")),
    ("days_to_evaluation", _l("Jours du dépôt à la fin de l'évaluation")),
    ("days_to_session", _l("Jours du dépôt à la séance")),
    ("days_to_decision", _l("Jours du dépôt à la décision (calendaires)")),
    ("review_days", _l("Jours du dépôt à la décision, suspensions déduites")),
    ("url", _l("Page publique du service")),
]


def _day(value) -> str:
    return value.date().isoformat() if value else ""


def _number(value) -> str:
    return "" if value is None else str(value)


def _row(clock: DossierClock, service) -> list[str]:
    days = clock.days_from_submission(clock.decided_at)
    return [
        str(clock.dossier_id),
        service.slug,
        service.name,
        clock.referential_version,
        clock.outcome.value if clock.outcome else "",
        _day(clock.submitted_at),
        _day(clock.admissibility_at),
        str(len(clock.pauses)),
        str(clock.paused_days),
        _day(clock.evaluated_at),
        _day(clock.session_at),
        _day(clock.decided_at),
        _number(clock.days_from_submission(clock.admissibility_at)),
        _number(clock.days_from_submission(clock.evaluated_at)),
        _number(clock.days_from_submission(clock.session_at)),
        _number(days),
        _number(None if days is None else max(0, days - clock.paused_days)),
        url_for("catalogue_public.service", slug=service.slug, _external=True),
    ]


def dossiers_csv() -> str:
    """The CSV (RFC 4180 quoting, comma-separated), oldest decision first."""
    clocks = [c for c in decided_clocks() if c.submitted_at is not None]
    services = services_by_ids(c.service_id for c in clocks)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([name for name, _label in COLUMNS])
    for clock in clocks:
        writer.writerow(_row(clock, services[clock.service_id]))
    return out.getvalue()
