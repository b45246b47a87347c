from datetime import date

from sqlalchemy import select

from catalogue.models import DataPurpose, ServiceStatus
from catalogue.services import get_service_by_slug
from ens_core.db import db
from ens_core.demo import load_demo
from review.dossiers.models import Dossier, DossierState
from review.dossiers.services import requested_data_uses

S = DossierState
EXPECTED = {
    "glyco-carnet": S.EVALUATED, "mamacare": S.EVALUATED, "mind-balance": S.EVALUATED,
    "telecardio": S.EVALUATED, "pas-a-pas": S.SUBMITTED, "medirappel": S.ADMISSIBLE,
    "allaitement-plus": S.UNDER_EVALUATION, "sommeil-serein": S.INFORMATION_REQUESTED,
    "bebe-croissance": S.DRAFT, "ortho-exo": S.DRAFT, "vita-senior": S.SUBMITTED,
    "nutri-famille": S.REFUSED, "tension-suivi": S.REFERENCED, "journal-sante": S.REFERENCED,
    "nordic-move": S.REFERENCED, "respire-mieux": S.REFERENCED,
}  # fmt: skip


def _load_demo_up_to_dossiers():
    """The story up to its dossiers (later files, e.g. the sessions, move dossiers on)."""
    load_demo(through="dossiers.yaml")


def test_demo_dossiers_walk_the_lifecycle_and_referenced_ones_are_published(app_ctx):
    _load_demo_up_to_dossiers()
    for slug, state in EXPECTED.items():
        service = get_service_by_slug(slug)
        dossier = db.session.scalar(select(Dossier).where(Dossier.service_id == service.id))
        assert dossier.state is state, slug
    tension = get_service_by_slug("tension-suivi")
    assert tension.status is ServiceStatus.REFERENCED
    assert tension.valid_until == date(2029, 3, 2)
    assert tension.referenced_at.date() == date(2026, 3, 2)
    assert {(u.scope, u.purpose) for u in tension.data_uses} == {
        ("patient/Observation.rs", DataPurpose.CARE),
        ("patient/Observation.cu", DataPurpose.PREVENTION),
        ("patient/Patient.r", DataPurpose.CARE),
    }
    assert set(tension.scores) == {
        "urbanisation", "security", "interoperability", "ethics", "environment",
    }  # fmt: skip
    assert tension.ecoscore_grade in {"A", "B", "C", "D", "E"}
    assert tension.ecoscore_details["steps"]
    journal = get_service_by_slug("journal-sante")
    dossier = db.session.scalar(select(Dossier).where(Dossier.service_id == journal.id))
    assert [scope for scope, _p, _d in requested_data_uses(dossier)] == [
        "patient/Appointment.rs",
        "patient/DocumentReference.rs",
    ]
    sommeil = db.session.scalar(
        select(Dossier).where(Dossier.service_id == get_service_by_slug("sommeil-serein").id)
    )
    assert sommeil.information_requests[0].is_open


def test_demo_double_evaluations_agree_measurably_and_one_awaits_arbitration(app_ctx):
    from ens_core.accounts.services import find_user_by_email
    from ens_core.demo import load_demo
    from review.dossiers import double
    from review.dossiers.quality import quality_report

    load_demo()
    lead = find_user_by_email("agent@demo.ens")
    pas_a_pas = db.session.scalar(
        select(Dossier).where(Dossier.service_id == get_service_by_slug("pas-a-pas").id)
    )
    assert pas_a_pas.state is S.UNDER_EVALUATION and double.both_finished(pas_a_pas)
    assert double.lead_agent_id(pas_a_pas) == lead.id
    pending = [d.criterion.code for d in double.pending_divergences(pas_a_pas)]
    assert pending == ["SEC-03", "ETH-03"]
    # the evaluated and decided dossiers: divergences, every one reconciled with a reason
    tension = db.session.scalar(
        select(Dossier).where(Dossier.service_id == get_service_by_slug("tension-suivi").id)
    )
    assert double.divergences(tension)
    assert all(d.reconciled and d.final.reconciliation_reason for d in double.divergences(tension))
    report = quality_report()
    assert report.dossiers >= 10
    assert {row.quarter for row in report.over_time if row.area.value == "security"} != set()
    assert len({row.quarter for row in report.over_time}) >= 2  # over time
    assert all(0 < row.agreement.kappa < 1 for row in report.overall)
    assert report.disagreements[0].divergences >= 2
