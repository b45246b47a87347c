"""HTTP: double evaluation through the agent's pages, and /agent/qualite."""

import re

import pytest

from ens_core.accounts.models import Role
from ens_core.db import db
from review.dossiers import services
from review.dossiers.models import Dossier, DossierState
from review.dossiers.quality import quality_report
from tests.factories import (
    PASSWORD,
    _member_of,
    complete_dossier,
    make_dossier,
    make_referential,
    make_user,
)
from tests.helpers import signed_in, submit

S = DossierState
AREAS = ("urbanisation", "security", "interoperability", "ethics", "environment")


@pytest.fixture
def world(app):
    """A dossier under evaluation against a referential silent on double evaluation
    (security and ethics twice), three agents and an editor, committed."""
    with app.app_context():
        first, second, third = (make_user(Role.AGENT) for _ in range(3))
        dossier = complete_dossier(make_dossier(version=make_referential("DBL-V")))
        editor = _member_of(dossier.service.organisation)
        services.submit_dossier(editor, dossier)
        services.decide_admissibility(first, dossier, admissible=True, comment="ok")
        services.start_evaluation(first, dossier)
        world = {
            "dossier": dossier.id,
            "ids": {"second": second.id, "editor": editor.id},
            "emails": {"first": first.email, "second": second.email, "third": third.email,
                       "editor": editor.email},
        }  # fmt: skip
        db.session.commit()
    return world


def _client(app, email):
    return signed_in(app, email, PASSWORD)


def _rate_area(client, base, area, **chosen):
    url = f"{base}/evaluation/{area}"
    form = client.get(url).get_data(as_text=True)
    codes = sorted(set(re.findall(r'name="verdict-([A-Z]{3}-\d{2})"', form)))
    assert codes, f"no form on {area}"
    data = {f"verdict-{code}": "compliant" for code in codes}
    data.update({k.replace("_", "-"): v for k, v in chosen.items()})
    assert submit(client, url, data).status_code == 303


def test_two_agents_evaluate_blind_then_the_lead_reconciles(app, world):
    first, second, third = (_client(app, world["emails"][k]) for k in ("first", "second", "third"))
    base = f"/agent/dossiers/{world['dossier']}"
    for area in AREAS:
        _rate_area(first, base, area, **({"comment-SEC-01": "Note-du-premier"}
                                         if area == "security" else {}))  # fmt: skip
    # the second agent sees neither a form nor the first's verdicts before being named
    page = second.get(f"{base}/evaluation/security").get_data(as_text=True)
    assert 'name="verdict-SEC-01"' not in page and "Note-du-premier" not in page
    # naming: a non-agent is refused with a field message, then the second agent
    response = submit(first, f"{base}/double/second-evaluateur",
                      {"agent_id": str(world["ids"]["editor"])}, form_url=base)  # fmt: skip
    assert response.status_code == 400 and "Choisissez un agent." in response.get_data(True)
    assert submit(first, f"{base}/double/second-evaluateur",
                  {"agent_id": str(world["ids"]["second"])}, form_url=base).status_code == 303  # fmt: skip
    page = second.get(f"{base}/evaluation/security").get_data(as_text=True)
    assert "Note-du-premier" not in page and "à l'aveugle" in page
    _rate_area(second, base, "security", **{"verdict-SEC-01": "non_compliant"})
    _rate_area(second, base, "ethics")
    # still blind: no divergences page, and the dossier cannot be marked evaluated
    assert first.get(f"{base}/divergences").status_code == 404
    response = submit(first, f"{base}/evaluer", {}, form_url=base)
    assert response.status_code == 409
    assert "n&#39;ont pas encore remis" in response.get_data(as_text=True)
    for client in (first, second):
        assert submit(client, f"{base}/double/remettre", {}, form_url=base).status_code == 303
    # now every agent sees both verdicts, the agreement and the divergence
    page = third.get(base).get_data(as_text=True)
    assert "κ de Cohen" in page and "1 divergence, dont 1 à arbitrer." in page
    page = third.get(f"{base}/divergences").get_data(as_text=True)
    assert "SEC-01" in page and "Note-du-premier" in page and 'name="reason-SEC-01"' not in page
    assert submit(third, f"{base}/divergences/SEC-01",
                  {"verdict-SEC-01": "compliant", "reason-SEC-01": "Moi ?"},
                  form_url=f"{base}/divergences").status_code == 403  # fmt: skip
    # the dossier page's form says what is left
    response = submit(first, f"{base}/evaluer", {}, form_url=base)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "1 divergence entre les évaluateurs reste à arbitrer : SEC-01." in text
    assert 'id="error-comment"' in text  # shown at the form's field, and in the summary
    # a reconciliation without a reason: a field message, nothing written
    response = submit(first, f"{base}/divergences/SEC-01", {"verdict-SEC-01": "compliant"},
                      form_url=f"{base}/divergences")  # fmt: skip
    assert response.status_code == 400
    assert "Motivez votre arbitrage." in response.get_data(as_text=True)
    assert submit(first, f"{base}/divergences/SEC-01",
                  {"verdict-SEC-01": "compliant", "reason-SEC-01": "MFA attestée par la pièce."},
                  form_url=f"{base}/divergences").status_code == 303  # fmt: skip
    assert submit(first, f"{base}/evaluer", {}, form_url=base).status_code == 303
    with app.app_context():
        assert db.session.get(Dossier, world["dossier"]).state is S.EVALUATED


def test_the_quality_page_shows_kappa_per_area_and_the_discussed_criteria(app, world):
    test_two_agents_evaluate_blind_then_the_lead_reconciles(app, world)
    with app.app_context():
        report = quality_report()
        security = next(r for r in report.overall if r.area.value == "security")
        # security: (C, NC) and (C, C): p_o = 1/2, p_e = 1·1/2 → κ = 0
        assert security.version == "DBL-V" and security.agreement.kappa == 0
        ethics = next(r for r in report.overall if r.area.value == "ethics")
        assert ethics.agreement.kappa is None  # both "compliant" only
        assert [c.criterion.code for c in report.disagreements if c.version == "DBL-V"] == [
            "SEC-01"
        ]
    agent = _client(app, world["emails"]["third"])
    page = agent.get("/agent/qualite").get_data(as_text=True)
    assert "<svg" in page and "<caption>" in page
    assert "non calculable" in page and "SEC-01" in page
    english = agent.get("/agent/qualite", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    editor = _client(app, world["emails"]["editor"])
    assert editor.get("/agent/qualite").status_code == 403
    assert app.test_client().get("/agent/qualite").status_code == 302
