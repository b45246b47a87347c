"""Demo records of dossiers: ``dossier``, played as the editor and the agent would: open, answer (with evidence
files), declare the data, measure the journey, submit, admissibility, evaluation (by two
agents in the double-evaluated areas, divergences reconciled by the first before the
dossier is marked evaluated), information request. See ``ens_core/demo/data/README.md``.

A ``dossier`` record brings the service's dossier to ``state``; a later record with the
same service continues it (e.g. an evaluation completed before a session).
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from io import BytesIO

from flask import Flask
from werkzeug.datastructures import FileStorage

from catalogue.models import DataPurpose
from catalogue.services import get_service_by_slug
from ens_core.accounts.models import Role
from ens_core.accounts.services import active_users_with_role
from ens_core.db import utcnow
from ens_core.demo import DemoContext, DemoDataError, register_kind, register_lookup
from ens_core.demo.dates import as_datetime
from review.dossiers import double, services
from review.dossiers.lifecycle import TO_EVALUATION
from review.dossiers.models import Answer, Dossier, DossierState, Verdict
from review.scoring.services import save_measurements

S = DossierState
# The states a record may ask for, in the order a dossier reaches them.
WALK = list(TO_EVALUATION)
VERDICT_OF = {
    Answer.YES: Verdict.COMPLIANT,
    Answer.NO: Verdict.NON_COMPLIANT,
    Answer.NOT_APPLICABLE: Verdict.NOT_APPLICABLE,
}


def _rank(state: DossierState) -> int:
    """Position along the walk; states beyond it (on an agenda, decided…) rank last."""
    return WALK.index(state) if state in WALK else len(WALK)


def _chance(slug: str, code: str) -> float:
    """A stable draw in [0, 1) per service and criterion: every load answers the same."""
    return (zlib.crc32(f"{slug}:{code}".encode()) % 1000) / 1000


def dossier_of(slug: str) -> Dossier | None:
    service = get_service_by_slug(slug)
    return services.latest_dossier_of(service) if service is not None else None


def load_dossier(ctx: DemoContext, fields: dict) -> bool:
    service = ctx.get("service", fields["service"])
    target = S(fields.get("state", S.DRAFT))
    if target not in WALK:
        raise DemoDataError(f"a dossier record walks to one of {[str(s) for s in WALK]}")
    dossier = services.latest_dossier_of(service)
    added = dossier is None
    if added:
        dossier = _open(ctx, service, fields)
    if _rank(dossier.state) >= _rank(target):
        return added
    _walk(ctx, dossier, target, fields)
    return True


def _open(ctx: DemoContext, service, fields: dict) -> Dossier:
    """The editor's part: answers with evidence, requested data, journey measurements."""
    editor = ctx.get("user", fields["by"])
    dossier = services.open_dossier(editor, service)
    errors = services.save_answers(editor, dossier, _answers(ctx, dossier, service.slug, fields))
    if errors:
        raise DemoDataError(f"answers refused: {errors}")
    for use in fields.get("data", []):
        services.add_data_request(
            editor,
            dossier,
            scope=use["scope"],
            purpose=DataPurpose(use["purpose"]),
            retention_days=use["retention_days"],
            justification=use.get("justification", ""),
        )
    if fields.get("journey"):
        journey = fields["journey"]
        web = fields.get("web", False)
        steps = [_step(service.slug, label, fields["quality"], web) for label in journey["steps"]]
        save_measurements(editor, dossier, steps, journey["device"])
    return dossier


def _answers(ctx: DemoContext, dossier: Dossier, slug: str, fields: dict) -> dict:
    """Answers to the first ``answered`` share of the criteria: mandatory ones "yes",
    optional ones "yes" with probability ``quality``; "not applicable" where allowed with
    probability ``not_applicable``; justification texts by topic, else by area."""
    texts = fields["texts"]
    criteria = services.criteria_of(dossier)
    inputs = {}
    for criterion in criteria[: round(len(criteria) * fields.get("answered", 1))]:
        code = criterion.code
        if (
            criterion.allows_not_applicable
            and _chance(slug, code + "na") < fields["not_applicable"]
        ):
            answer, text = Answer.NOT_APPLICABLE, texts["not_applicable"]
        elif criterion.mandatory or _chance(slug, code) < fields["quality"]:
            answer = Answer.YES
            text = texts["by_topic"].get(criterion.topic) or texts["by_area"][str(criterion.area)]
        else:
            answer, text = Answer.NO, texts["no"]
        upload = None
        if criterion.evidence_required and answer is Answer.YES:
            upload = FileStorage(
                BytesIO(ctx.read(fields["evidence"])),
                filename=f"{code.lower()}-{slug}.pdf",
                content_type="application/pdf",
            )
        inputs[code] = services.AnswerInput(answer, text, upload)
    return inputs


def _step(slug: str, label: str, quality: float, web: bool) -> dict:
    """Believable figures for one step of the journey: the less ``quality``, the heavier."""
    jitter, bad = _chance(slug, label), 1.2 - quality
    step = {
        "label": label,
        "energy_ratio": round(1.05 + bad * (0.6 + jitter), 2),
        "display_time_s": round(0.6 + bad * (1.5 + 2 * jitter), 1),
        "data_kb": round(60 + bad * (250 + 900 * jitter)),
        "dom_elements": None,
        "http_requests": None,
        "page_weight_kb": None,
    }
    if web:
        step.update(
            dom_elements=int(180 + bad * (300 + 900 * jitter)),
            http_requests=int(12 + bad * (20 + 60 * jitter)),
            page_weight_kb=round(250 + bad * (600 + 2200 * jitter), 1),
        )
    return step


def _walk(ctx: DemoContext, dossier: Dossier, target: DossierState, fields: dict) -> None:
    """Each step the dossier has not taken yet, up to ``target``."""
    agent, comments = ctx.get("user", fields["agent"]), fields.get("comments", {})
    if dossier.state is S.DRAFT:
        services.submit_dossier(
            ctx.get("user", fields["by"]), dossier, comments.get("submitted", "")
        )
        if "submitted" in fields:
            # Backdated: the story's dossiers were filed weeks or months before the load,
            # and the review clock counts from here (no user can file in the past).
            dossier.submitted_at = as_datetime(fields["submitted"])
    if dossier.state is S.SUBMITTED and _rank(target) > _rank(S.SUBMITTED):
        services.decide_admissibility(
            agent, dossier, admissible=True, comment=comments.get("admissible", "")
        )
    if dossier.state is S.ADMISSIBLE and _rank(target) > _rank(S.ADMISSIBLE):
        services.start_evaluation(agent, dossier)
    if dossier.state is S.UNDER_EVALUATION:
        if target is S.EVALUATED:
            _evaluate(ctx, dossier, agent, None, fields)
            _reconcile(dossier, agent, comments.get("reconciled", ""))
            services.complete_evaluation(agent, dossier, comments.get("evaluated", ""))
        elif fields.get("evaluated_areas"):
            _evaluate(ctx, dossier, agent, fields["evaluated_areas"], fields)
        if target is S.INFORMATION_REQUESTED:
            _request_information(dossier, agent, fields["information_request"])
    if dossier.state is not target:
        raise DemoDataError(f"the dossier is {dossier.state}, not {target}")


def _evaluate(ctx: DemoContext, dossier: Dossier, agent, areas: list[str] | None, fields):
    """The agent's verdict on each answer (of ``areas`` only, when given); in the
    double-evaluated areas, the second agent's too."""
    compliant = fields.get("comments", {}).get("compliant", "")
    verdicts = {
        answer.criterion.code: (
            VERDICT_OF[answer.answer],
            compliant if answer.answer is Answer.YES else "",
        )
        for answer in dossier.answers
        if areas is None or str(answer.criterion.area) in areas
    }
    errors = services.save_evaluations(agent, dossier, verdicts)
    if errors:
        raise DemoDataError(f"verdicts refused: {errors}")
    _second_opinion(ctx, dossier, agent, verdicts, fields)


FLIPPED = {
    Verdict.COMPLIANT: Verdict.NON_COMPLIANT,
    Verdict.NON_COMPLIANT: Verdict.COMPLIANT,
    Verdict.NOT_APPLICABLE: Verdict.COMPLIANT,
}


def _second_opinion(ctx: DemoContext, dossier: Dossier, agent, verdicts: dict, fields) -> None:
    """The second evaluator (``second_agent``, else another agent, named by ``agent``) rates the same
    double-evaluated criteria: the same verdict, except a stable share ``disagreement``
    of them and those ``second_opinions`` names. Both hand in once every such criterion
    is rated, backdated to ``evaluated`` (default three weeks after submission)."""
    doubled = {c.code for c in double.double_criteria(dossier)}
    codes = [code for code in verdicts if code in doubled]
    if not codes:
        return
    second = _second_agent(ctx, agent, fields)
    double.assign_second_evaluator(agent, dossier, second)
    slug, rate = dossier.service.slug, fields.get("disagreement", 0)
    chosen = fields.get("second_opinions") or {}
    theirs = {}
    for code in codes:
        verdict, comment = verdicts[code]
        if code in chosen:
            verdict = Verdict(chosen[code])
        elif _chance(slug, code + ":second") < rate:
            verdict = FLIPPED[verdict]
        theirs[code] = (verdict, comment if verdict is verdicts[code][0] else "")
    errors = services.save_evaluations(second, dossier, theirs)
    if errors:
        raise DemoDataError(f"second verdicts refused: {errors}")
    rated = {item.criterion.code for item in dossier.independent_evaluations}
    if doubled <= rated and not double.both_finished(dossier):
        double.finish_independent_evaluation(agent, dossier)
        double.finish_independent_evaluation(second, dossier)
        _backdate_hand_ins(dossier, fields)


def _second_agent(ctx: DemoContext, agent, fields: dict):
    """``second_agent``, or else the first other agent by name (records written before
    double evaluation keep loading)."""
    if fields.get("second_agent"):
        return ctx.get("user", fields["second_agent"])
    others = [u for u in active_users_with_role(Role.AGENT) if u.id != agent.id]
    if not others:
        raise DemoDataError("double-evaluated areas need a second agent (second_agent)")
    return others[0]


def _backdate_hand_ins(dossier: Dossier, fields: dict) -> None:
    """The story's evaluations were handed in days or months before the load."""
    if "evaluated" in fields:
        at = as_datetime(fields["evaluated"])
    else:
        at = min(dossier.submitted_at + timedelta(days=21), utcnow() - timedelta(days=1))
    first, second = dossier.evaluators
    first.finished_at = at - timedelta(hours=20)
    second.finished_at = at


def _reconcile(dossier: Dossier, lead, reason: str) -> None:
    """The lead agent keeps, on each divergence, the verdict that matches the evidence
    (the first evaluator's, in this story) and says why."""
    for divergence in double.pending_divergences(dossier):
        final = double.reconcile_divergence(
            lead, dossier, divergence.criterion.code, divergence.first.verdict, reason
        )
        # Backdated: arbitrated the morning after the second hand-in.
        final.evaluated_at = double.agreed_at(dossier) + timedelta(hours=22)


def _request_information(dossier: Dossier, agent, request: dict) -> None:
    asked = services.request_information(
        agent, dossier, questions=request["questions"], deadline=request["deadline"]
    )
    # Backdated: the questions went out days ago, and the paused clock shows it.
    asked.asked_at = as_datetime(request["asked"])


def register(app: Flask) -> None:
    register_kind(app, "dossier", load_dossier)
    register_lookup(app, "dossier", dossier_of)
