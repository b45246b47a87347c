from review.dossiers import services
from review.dossiers.lifecycle import transition
from review.dossiers.models import DossierState, Verdict
from review.referential.models import Area
from review.scoring import services as scoring
from tests.factories import complete_dossier, make_dossier, make_referential, make_user

S = DossierState
C, NC, NA = Verdict.COMPLIANT, Verdict.NON_COMPLIANT, Verdict.NOT_APPLICABLE


def _under_evaluation(app_ctx_referential=None):
    version = make_referential(
        "SCORES",
        criteria=[
            {"code": code, "area": area, "mandatory": False, "answer_type": "yes_no_na",
             "evidence_required": False, "weight": weight,
             "statement": {"fr": code, "en": code}}
            for code, area, weight in [
                ("SEC-01", "security", 3), ("SEC-02", "security", 1), ("SEC-03", "security", 2),
                ("INT-01", "interoperability", 1), ("ENV-01", "environment", 2),
                ("ENV-02", "environment", 2), ("ETH-01", "ethics", 1),
            ]
        ],
        double=[],  # scores read the dossier's verdicts, however they were reached
    )  # fmt: skip
    dossier = complete_dossier(make_dossier(version=version))
    agent = make_user()
    for state in (S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION):
        transition(dossier, state, actor=agent)
    return dossier, agent


def test_area_score_is_the_weighted_share_of_compliant_applicable_criteria(app_ctx):
    dossier, agent = _under_evaluation()
    assert services.save_evaluations(
        agent,
        dossier,
        {
            "SEC-01": (C, ""), "SEC-02": (NC, ""), "SEC-03": (NA, ""),
            "INT-01": (NA, ""), "ENV-01": (C, ""), "ENV-02": (NC, ""), "ETH-01": (NC, ""),
        },
    ) == {}  # fmt: skip
    scores = scoring.criteria_scores(dossier)
    # security: 3 compliant of 3 + 1 applicable (SEC-03 not applicable) -> 75
    assert scores[Area.SECURITY] == 75
    assert scores[Area.ENVIRONMENT] == 50
    assert scores[Area.ETHICS] == 0
    # every interoperability criterion is not applicable: no score at all
    assert Area.INTEROPERABILITY not in scores


def test_environment_score_combines_criteria_and_computed_ecoscore(app_ctx):
    dossier, agent = _under_evaluation()
    assert services.save_evaluations(agent, dossier, {"ENV-01": (C, ""), "ENV-02": (NC, "")}) == {}
    value, grade, details = scoring.ecoscore_for(dossier)
    # steps: energy 5 & 4, time 5 & 4, data 5 & 4 -> mean 4.5 -> 90
    assert (value, grade) == (90.0, "A")
    assert details["steps"][0]["label"] == "Accueil"
    assert details["ecoindex"] is None
    scores = scoring.dossier_scores(dossier)
    assert scores["environment"] == 70  # (50 + 90) / 2
    assert scoring.environment_score(None, 42.4) == 42
    assert scoring.environment_score(60, None) == 60
    assert scoring.environment_score(None, None) is None


def test_no_measurements_means_no_ecoscore(app_ctx):
    dossier = make_dossier()
    assert scoring.ecoscore_for(dossier) is None
    assert scoring.dossier_scores(dossier) == {}
