"""Every dossier's clock on the service's public page, in /opendata/dossiers.csv and in
/statistiques."""

import csv
import io
import re
from datetime import date

from catalogue.models import ServiceStatus
from ens_core.db import db
from ens_core.demo import load_demo
from review.decisions.models import Outcome
from review.timelines.services import clocks_of_service, decided_dossiers
from tests.review.timelines.support import make_decided_dossier


def test_the_clock_of_a_decided_dossier(app_ctx):
    service, _dossier = make_decided_dossier()
    (clock,) = clocks_of_service(service)
    assert clock.submitted_at.date() == date(2025, 9, 1)
    assert clock.admissible and clock.admissibility_at.date() == date(2025, 9, 8)
    assert clock.paused_days == 12
    assert clock.evaluated_at.date() == date(2025, 11, 3)
    assert clock.session_held and clock.session_at.date() == date(2025, 11, 20)
    assert clock.decided_at.date() == date(2025, 12, 10) and clock.outcome is Outcome.REFERENCED
    (facts,) = decided_dossiers()
    assert (facts.days_to_decision, facts.paused_days, facts.review_days) == (100, 12, 88)


def test_public_page_csv_and_statistics(app, client, app_ctx):
    service, _dossier = make_decided_dossier(Outcome.REFUSED)
    service.status = ServiceStatus.REFERENCED  # make the page public (a refused renewal)
    db.session.flush()
    page = client.get("/catalogue/cardio-plus").get_data(as_text=True)
    assert "Calendrier des dossiers de référencement" in page
    steps = page[
        page.index('<ol class="timeline"') : page.index("</ol>", page.index('class="timeline"'))
    ]
    order = [
        "Dossier déposé",
        "Dossier recevable",
        "Compléments demandés",
        "Évaluation terminée",
        "Examen en séance",
        "Décision : refus",
    ]
    positions = [steps.index(label) for label in order]
    assert positions == sorted(positions)
    assert '<time datetime="2025-09-01' in steps and "1 septembre 2025" in steps
    assert "Décision 100 jours après le dépôt, dont 12 jours" in page

    answer = client.get("/opendata/dossiers.csv")
    assert answer.mimetype == "text/csv"
    text = answer.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["service"] == "cardio-plus" and row["outcome"] == "refused"
    assert (row["submitted_on"], row["decided_on"]) == ("2025-09-01", "2025-12-10")
    assert (row["days_to_decision"], row["paused_days"], row["review_days"]) == ("100", "12", "88")
    assert (row["days_to_admissibility"], row["information_requests"]) == ("7", "1")
    assert "Dupont" not in text and "instructeur@" not in text  # no personal data

    stats_page = _without_cell_labels(client.get("/statistiques").get_data(as_text=True))
    assert '<th scope="row">2025</th><td>1</td><td>100</td><td>100</td><td>88</td>' in stats_page
    assert '<title id="chart-delays">' in stats_page and "chart-refusals" in stats_page
    assert "/opendata/dossiers.csv" in stats_page


def test_the_demo_shows_its_decided_dossiers(app, client, app_ctx):
    load_demo()
    text = client.get("/opendata/dossiers.csv").get_data().decode("utf-8").lstrip("\ufeff")
    rows = {r["service"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {
        "tension-suivi",
        "journal-sante",
        "nordic-move",
        "respire-mieux",
        "nutri-famille",
    }
    assert rows["tension-suivi"]["days_to_decision"] == "118"
    assert rows["tension-suivi"]["paused_days"] == "14"
    assert rows["nutri-famille"]["outcome"] == "refused"
    page = _without_cell_labels(client.get("/statistiques").get_data(as_text=True))
    assert '<th scope="row">2026</th><td>5</td><td>118</td>' in page
    assert "actionnaire de contrôle hors de l&#39;UE" in page  # Respire Mieux's suspension
    service_page = client.get("/catalogue/tension-suivi").get_data(as_text=True)
    assert "Compléments demandés à l&#39;éditeur" in service_page
    assert "/statistiques" in client.get("/").get_data(as_text=True)  # the footer


def _without_cell_labels(page: str) -> str:
    """The page with the phone layout's ``data-label`` attributes taken out of its cells."""
    return re.sub(r' data-label="[^"]*"', "", page)
