"""Issue 15, the editor's side of a dossier: the home as a to-do list (the real next step
from the dossier's state, information requests first with their due date), the stages with
expected dates, a confirmation before withdrawing, files attached to an answer."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from catalogue.editor import services as editor_services
from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.i18n import local_date
from review.commission import services as commission
from review.dossiers import evidence as evidence_files
from review.dossiers import services
from review.dossiers.models import Dossier, DossierState, InformationAttachment
from review.dossiers.progress import dossier_stages
from tests.factories import (
    PASSWORD,
    PDF_BYTES,
    complete_dossier,
    make_commission_session,
    make_dossier,
    make_evaluated_dossier,
    make_organisation,
    make_referential,
    make_service,
    make_user,
)
from tests.helpers import csrf_token, signed_in, submit

S = DossierState
DEADLINE = date.today() + timedelta(days=21)


def _client(app, email):
    return signed_in(app, email, PASSWORD)


def _walk(dossier, *states):
    agent = make_user(Role.AGENT)
    for state in states:
        if state is S.SUBMITTED:
            services.submit_dossier(agent, dossier)
        elif state is S.ADMISSIBLE:
            services.decide_admissibility(agent, dossier, admissible=True, comment="ok")
        elif state is S.UNDER_EVALUATION:
            services.start_evaluation(agent, dossier)
        elif state is S.INFORMATION_REQUESTED:
            services.request_information(
                agent, dossier, questions="Joignez le rapport d'audit.", deadline=DEADLINE
            )
    return agent


@pytest.fixture
def world(app):
    """One organisation: Glyco (draft, dossier on a session's agenda, no logo) and
    Sommeil (draft, an information request due in three weeks); a foreign editor."""
    with app.app_context():
        editor = make_user(Role.EDITOR)
        stranger = make_user(Role.EDITOR)
        make_organisation(stranger)
        organisation = make_organisation(editor)
        version = make_referential()
        glyco = make_service(organisation, name="Glyco Carnet", slug="glyco-carnet")
        sommeil = make_service(organisation, name="Sommeil Serein", slug="sommeil-serein")
        agent = make_user(Role.AGENT)
        scheduled = make_evaluated_dossier(glyco, agent)
        held = datetime.now(UTC) + timedelta(days=12)
        session = make_commission_session(held_at=held, agent=agent)
        commission.put_on_agenda(agent, session, scheduled)
        waiting = complete_dossier(make_dossier(sommeil, editor, version))
        _walk(waiting, S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION, S.INFORMATION_REQUESTED)
        db.session.commit()
        return {
            "editor": editor.email,
            "stranger": stranger.email,
            "agent": agent.email,
            "scheduled": scheduled.id,
            "waiting": waiting.id,
            "held": held.date(),
        }


def _main(response) -> str:
    body = response.get_data(as_text=True)
    return body[body.index("<main") : body.index("</main>")]


def _article(home: str, name: str) -> str:
    start = home.index(f">{name}</a>")
    return home[start : home.index("</article>", start)]


def test_home_shows_the_real_next_step_of_a_dossier_on_an_agenda(app, world):
    home = _main(_client(app, world["editor"]).get("/editeur"))
    glyco = _article(home, "Glyco Carnet")
    assert "Brouillon" not in glyco and "En cours de référencement" in glyco
    assert "séance de la commission du " + local_date(world["held"]) in glyco
    todo = glyco[glyco.index("</p>") :]
    assert "Rien à faire pour le moment." in todo
    # The logo is asked for separately, not as the next step of a dossier under review.
    assert todo.index("Pour compléter la fiche du catalogue") < todo.index("Ajouter un logo")
    assert f'href="/editeur/dossiers/{world["scheduled"]}"' in glyco


def test_home_lists_information_requests_first_with_their_due_date(app, world):
    home = _main(_client(app, world["editor"]).get("/editeur"))
    due = local_date(DEADLINE)
    first = home.index("Une demande de compléments à traiter")
    assert first < home.index("Glyco Carnet")
    assert f"Sommeil Serein</strong> : répondre avant le {due}" in home
    assert f'href="/editeur/dossiers/{world["waiting"]}#waiting-title"' in home
    sommeil = _article(home, "Sommeil Serein")
    assert f"Répondre à la demande de compléments avant le {due}" in sommeil


def test_stages_are_an_ordered_list_with_the_current_one_marked(app, world):
    client = _client(app, world["editor"])
    for url in ("/editeur", f"/editeur/dossiers/{world['scheduled']}"):
        page = _main(client.get(url))
        stages = re.search(r'<ol class="stages"[^>]*>(.*?)</ol>', page, re.S)
        assert stages, url
        items = re.findall(r"<li[^>]*>", stages.group(1))
        assert len(items) == 5
        assert sum('aria-current="step"' in item for item in items) == 1
    page = _main(client.get(f"/editeur/dossiers/{world['scheduled']}"))
    current = re.search(r'aria-current="step">(.*?)</li>', page, re.S).group(1)
    assert "Avis de la commission" in current and local_date(world["held"]) in current


def test_expected_dates_follow_the_targets(app, world):
    with app.app_context():
        dossier = db.session.get(Dossier, world["waiting"])
        stages = dossier_stages(dossier)
    assert [s.status for s in stages] == ["done", "done", "current", "upcoming", "upcoming"]
    evaluation, opinion, decision = stages[2:]
    assert evaluation.on >= DEADLINE  # the request's time does not count
    assert evaluation.on < opinion.on < decision.on


def test_withdrawing_asks_for_confirmation_first(app, world):
    client = _client(app, world["editor"])
    url = f"/editeur/dossiers/{world['waiting']}"
    show = _main(client.get(url))
    assert f'href="{url}/retirer"' in show and "Retirer définitivement" not in show
    confirm = client.get(url + "/retirer")
    text = _main(confirm)
    assert confirm.status_code == 200
    assert "ne peut pas être rouvert" in text and "Retirer définitivement" in text
    assert f'href="{url}"' in text  # the way back changes nothing
    with app.app_context():
        assert db.session.get(Dossier, world["waiting"]).state is S.INFORMATION_REQUESTED
    done = submit(client, url + "/retirer", {"comment": "Abandon."})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Dossier, world["waiting"]).state is S.WITHDRAWN
    assert client.get(url + "/retirer").status_code == 303  # nothing left to withdraw
    stranger = _client(app, world["stranger"])
    assert stranger.get(f"/editeur/dossiers/{world['scheduled']}/retirer").status_code == 404


def _answer(client, dossier_id, files):
    url = f"/editeur/dossiers/{dossier_id}"
    return client.post(
        url + "/complements",
        data={
            "csrf_token": csrf_token(client, url),
            "answer": "Voici le rapport d'audit demandé.",
            "attachments": files,
        },
        content_type="multipart/form-data",
    )


def test_an_answer_carries_files_checked_like_evidence(app, world):
    client = _client(app, world["editor"])
    bad = _answer(client, world["waiting"], [(io.BytesIO(b"MZ not a pdf"), "rapport.pdf")])
    assert bad.status_code == 400
    assert "rapport.pdf" in _main(bad) and "PDF et PNG" in _main(bad)
    with app.app_context():
        assert db.session.get(Dossier, world["waiting"]).state is S.INFORMATION_REQUESTED
        assert db.session.query(InformationAttachment).count() == 0
    good = _answer(client, world["waiting"], [(io.BytesIO(PDF_BYTES), "audit 2026.pdf")])
    assert good.status_code == 303
    with app.app_context():
        dossier = db.session.get(Dossier, world["waiting"])
        assert dossier.state is S.UNDER_EVALUATION
        (item,) = dossier.information_requests[0].attachments
        stored = evidence_files.path_of(item.stored_name)
        assert stored.read_bytes() == PDF_BYTES and "static" not in stored.parts
        attachment_id = item.id
    path = f"/dossiers/{world['waiting']}/complements/pieces/{attachment_id}"
    page = _main(client.get(f"/editeur/dossiers/{world['waiting']}"))
    assert f'href="/editeur{path}"' in page and "audit 2026.pdf" in page
    download = client.get("/editeur" + path)
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Cache-Control"] == "private, no-store"
    agent = _client(app, world["agent"])
    assert agent.get("/agent" + path).data == PDF_BYTES
    assert f'href="/agent{path}"' in _main(agent.get(f"/agent/dossiers/{world['waiting']}"))
    stranger = _client(app, world["stranger"])
    assert stranger.get("/editeur" + path).status_code == 404


def test_too_many_files_are_refused(app, world):
    client = _client(app, world["editor"])
    files = [(io.BytesIO(PDF_BYTES), f"p{i}.pdf") for i in range(6)]
    response = _answer(client, world["waiting"], files)
    assert response.status_code == 400 and "au plus 5 fichiers" in _main(response)


def test_service_page_of_a_ready_draft_still_offers_to_file(app, app_ctx):
    editor = make_user(Role.EDITOR)
    service = make_service(make_organisation(editor))
    with app.test_request_context():
        todo = editor_services.service_todo(service)
    assert todo.follow is None and todo.actions


def test_answers_are_saved_one_criterion_at_a_time(app, world):
    client = _client(app, world["editor"])
    with app.app_context():
        dossier = db.session.get(Dossier, world["waiting"])
        codes = [c.code for c in services.criteria_of(dossier) if c.area.value == "security"]
        before = {a.criterion.code: a.justification for a in dossier.answers}
    url = f"/editeur/dossiers/{world['waiting']}/reponses/security"
    page = _main(client.get(url))
    # One form, and one button, per criterion: no single save at the bottom of the page.
    assert page.count('name="criterion"') == len(codes) == page.count('type="submit">')
    first, second = codes[0], codes[1]
    response = submit(
        client,
        url,
        {
            "criterion": first,
            f"answer-{first}": "no",
            f"justification-{first}": "Pas encore.",
            # another criterion's fields are ignored by this criterion's form
            f"answer-{second}": "no",
            f"justification-{second}": "Ignoré.",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#criterion-{second}")
    with app.app_context():
        answers = {
            a.criterion.code: a.justification
            for a in db.session.get(Dossier, world["waiting"]).answers
        }
    assert answers[first] == "Pas encore." and answers.get(second) == before.get(second)
    bad = submit(client, url, {"criterion": first, f"answer-{first}": "maybe"})
    assert bad.status_code == 400 and f'id="error-answer-{first}"' in _main(bad)
    assert submit(client, url, {"criterion": "NOPE-99", "answer-NOPE-99": "yes"}).status_code == 404
