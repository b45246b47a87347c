"""A renewal dossier is opened against the current referential, pre-filled from the last
referenced dossier."""

import copy

import pytest

from ens_core.accounts.models import Role
from ens_core.db import db
from review.dossiers import evidence as evidence_files
from review.dossiers import services
from review.dossiers.models import Answer, DossierState
from review.dossiers.services import AnswerInput, save_answers
from review.scoring.services import measurement_of
from review.surveillance.models import RenewalState
from review.surveillance.renewal import current_request
from tests.factories import (
    PASSWORD,
    complete_dossier,
    make_dossier,
    make_organisation,
    make_referenced_service,
    make_referential,
    make_user,
    referential_data,
)
from tests.helpers import login, submit


def _v2_criteria():
    criteria = copy.deepcopy(referential_data()["criteria"])
    by_code = {c["code"]: c for c in criteria}
    by_code["URB-01"]["statement"] = {"fr": "Énoncé révisé", "en": "Revised statement"}
    by_code["ETH-01"]["answer_type"] = "yes_no"  # "not applicable" no longer accepted
    criteria = [c for c in criteria if c["code"] != "ENV-01"]  # left the referential
    new = copy.deepcopy(by_code["SEC-02"])
    new.update(code="ENV-02", area="environment", statement={"fr": "Nouveau", "en": "New"})
    return [*criteria, new]


@pytest.fixture
def world(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    v1 = make_referential("R1", "2024-01-01")
    previous = make_dossier(service, editor, version=v1)
    complete_dossier(previous, editor)
    assert (
        save_answers(
            editor,
            previous,
            {"ETH-01": AnswerInput(Answer.NOT_APPLICABLE, "Pas de décision automatisée.", None)},
        )
        == {}
    )
    previous.state = DossierState.REFERENCED
    v2 = make_referential("R2", "2025-06-01", _v2_criteria())
    db.session.flush()
    return {"editor": editor, "service": service, "previous": previous, "v1": v1, "v2": v2}


def test_renewal_dossier_is_prefilled_against_the_current_version(world):
    editor, service, previous = world["editor"], world["service"], world["previous"]
    dossier = services.open_renewal_dossier(editor, service)
    assert dossier.referential_version_id == world["v2"].id
    assert dossier.state is DossierState.DRAFT
    answers = {a.criterion.code: a for a in dossier.answers}
    assert all(a.criterion.version_id == world["v2"].id for a in answers.values())
    # same code: carried over, with a copy of its evidence; the statement changed
    assert answers["URB-01"].answer is Answer.YES
    assert answers["URB-01"].justification == "Justification."
    assert answers["URB-01"].criterion.statement["fr"] == "Énoncé révisé"
    (copied,) = answers["URB-01"].evidence
    (original,) = next(a for a in previous.answers if a.criterion.code == "URB-01").evidence
    assert copied.stored_name != original.stored_name and copied.sha256 == original.sha256
    assert evidence_files.path_of(copied.stored_name).read_bytes().startswith(b"%PDF-")
    # "not applicable" is no longer valid for ETH-01; ENV-02 is new; ENV-01 left
    assert "ETH-01" not in answers and "ENV-02" not in answers and "ENV-01" not in answers
    assert set(answers) == {"URB-01", "SEC-01", "SEC-02", "INT-01"}
    # the editor still has to answer exactly those two
    (problem,) = services.completeness_problems(dossier)
    assert problem.startswith("2 critères sans réponse")
    assert "ETH-01" in problem and "ENV-02" in problem
    # data requests and journey measurements carried over
    assert [(r.scope, r.purpose, r.retention_days) for r in dossier.data_requests] == [
        (r.scope, r.purpose, r.retention_days) for r in previous.data_requests
    ]
    assert measurement_of(dossier).steps == measurement_of(previous).steps
    # the previous dossier is untouched
    assert previous.state is DossierState.REFERENCED
    assert len(previous.answers) == 6
    # the renewal request is filed with this dossier
    request = current_request(service)
    assert request.state is RenewalState.FILED
    assert request.dossier_id == dossier.id
    assert request.previous_dossier_id == previous.id
    # idempotent
    assert services.open_renewal_dossier(editor, service).id == dossier.id


def test_a_service_without_referencing_has_no_renewal(app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_referenced_service(make_organisation(editor))
    service.valid_until = None
    make_referential()
    with pytest.raises(services.DossierError):
        services.open_renewal_dossier(editor, service)


def test_renewal_from_the_compliance_page(client, world):
    editor, service = world["editor"], world["service"]
    db.session.commit()
    login(client, editor.email, PASSWORD)
    home = client.get("/editeur/conformite").get_data(as_text=True)
    url = f"/editeur/conformite/services/{service.id}/renouvellement"
    assert url in home
    response = submit(client, url, {}, form_url="/editeur/conformite")
    request = current_request(service)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/editeur/dossiers/{request.dossier_id}")
    page = client.get(f"/editeur/dossiers/{request.dossier_id}")
    assert page.status_code == 200
    home = client.get("/editeur/conformite").get_data(as_text=True)
    assert f"/editeur/dossiers/{request.dossier_id}" in home and url not in home
    # another editor can neither open it nor read it
    stranger = make_user(Role.EDITOR)
    make_organisation(stranger)
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
    login(client, stranger.email, PASSWORD)
    assert client.get(f"/editeur/dossiers/{request.dossier_id}").status_code == 404
    response = submit(client, url, {}, form_url="/editeur/conformite")
    assert response.status_code == 404
