"""Recording the authority's decision, granting the ``decision`` permission."""

from __future__ import annotations

import re
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import select

from authz.models import AuthMethod, ClientKind
from authz.services import clients_of_service, create_client, reuse_production_client
from catalogue.models import ServiceEventKind
from catalogue.services import editors_of, record_listing_event
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.notifications.services import notify
from review.commission.models import VoteChoice
from review.commission.services import CommissionError, dossier_service, opinion_of
from review.decisions import sources
from review.decisions.models import Decision, Outcome, Permission, UserPermission
from review.decisions.policies import can_decide, has_permission
from review.dossiers.lifecycle import transition
from review.dossiers.models import Dossier, DossierState
from review.surveillance.renewal import close_granted, request_decided_by

DEFAULT_VALIDITY = relativedelta(years=3)
# Technical scopes added to the ceiling when the editor's sandbox client asked for them.
TECHNICAL_SCOPES = ("openid", "fhirUser", "offline_access", "launch/patient")
SCOPE_SYNTAX = re.compile(r"^(patient|user|system)/[A-Za-z*]+\.(read|write|\*|[cruds]+)$")


class DecisionError(CommissionError):
    pass


def grant_permission(actor, user, permission: Permission) -> None:
    if not has_permission(user, permission):
        db.session.add(
            UserPermission(
                user_id=user.id, permission=permission, granted_by_id=getattr(actor, "id", None)
            )
        )
        db.session.flush()
        record_event(actor, "permission.grant", "user", user.id, permission=str(permission))


def get_decision(decision_id: int) -> Decision | None:
    return db.session.get(Decision, decision_id)


def decision_of(dossier: Dossier) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))


def awaiting_decision() -> list[Dossier]:
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.state.in_([DossierState.OPINION_GIVEN, DossierState.REFERENCED_PENDING]))
            .order_by(Dossier.updated_at)
        )
    )


def recent_decisions(limit: int = 20) -> list[Decision]:
    return list(
        db.session.scalars(select(Decision).order_by(Decision.decided_at.desc()).limit(limit))
    )


def departs_from(opinion: VoteChoice | None, outcome: Outcome) -> bool:
    if opinion is None:
        return False
    if outcome is Outcome.REFERENCED:
        return opinion is VoteChoice.UNFAVOURABLE
    return opinion.is_favourable


def record_decision(
    agent,
    dossier: Dossier,
    *,
    outcome: Outcome,
    reasons: str = "",
    valid_until: date | None = None,
    approved_uses: list[sources.DataUse] | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Decision:
    """Reference (approved uses ⊆ requested, validity end) or refuse a dossier with an opinion.

    Departing from the opinion needs written reasons; a refusal always does. A favourable
    opinion with suspensive reservations leaves the dossier ``referenced_pending``: the
    client and the listing wait until the reservations are lifted. ``now`` dates the
    decision (default: now; the demo data records past decisions)."""
    now = now or utcnow()
    today = today or now.date()
    item, opinion = _opinion_awaiting_decision(agent, dossier)
    reasons = (reasons or "").strip()
    departs = departs_from(opinion, outcome)
    if departs and not reasons:
        raise DecisionError(
            _("La décision s'écarte de l'avis de la commission : motivez-la par écrit."), "reasons"
        )
    decision = Decision(
        dossier_id=dossier.id,
        outcome=outcome,
        opinion=str(opinion),
        departs_from_opinion=departs,
        reasons=reasons,
        decided_by_id=agent.id,
        decided_at=now,
    )
    service = dossier_service(dossier)
    if outcome is Outcome.REFUSED:
        return _refuse(agent, dossier, decision, service, now)
    _approve(decision, dossier, service, approved_uses or [], valid_until, today)
    db.session.add(decision)
    if opinion is VoteChoice.FAVOURABLE_SUSPENSIVE:
        return _hold_for_reservations(agent, dossier, decision, service, item)
    transition(dossier, DossierState.REFERENCED, actor=agent, comment=reasons)
    _put_in_force(agent, decision, service)
    return decision


def _opinion_awaiting_decision(agent, dossier: Dossier):
    """The agenda item carrying the commission's opinion, and that opinion, once the agent
    may decide and the dossier awaits a decision."""
    if not can_decide(agent):
        raise DecisionError(_("Vous ne détenez pas la délégation de signature des décisions."))
    if dossier.state is not DossierState.OPINION_GIVEN or decision_of(dossier) is not None:
        raise DecisionError(_("Ce dossier n'attend pas de décision."))
    item = opinion_of(dossier)
    opinion = item.opinion if item else None
    if opinion is None:
        raise DecisionError(_("Aucun avis de la commission n'est enregistré sur ce dossier."))
    return item, opinion


def _refuse(agent, dossier: Dossier, decision: Decision, service, now: datetime) -> Decision:
    if not decision.reasons:
        raise DecisionError(_("Un refus doit être motivé."), "reasons")
    db.session.add(decision)
    transition(dossier, DossierState.REFUSED, actor=agent, comment=decision.reasons)
    record_listing_event(
        service,
        ServiceEventKind.REFUSED,
        _("Refus de référencement"),
        at=now,
        reason=decision.reasons,
        decision_id=decision_id_after_flush(decision),
    )
    _notify_editor(
        service, _("Référencement refusé : %(name)s", name=service.name), decision.reasons, dossier
    )
    record_event(agent, "decision.refused", "dossier", dossier.id)
    return decision


def _approve(decision: Decision, dossier: Dossier, service, approved_uses, valid_until, today):
    """The referencing's terms: validity end, approved data uses (within the requested
    ones) and the production client's scope ceiling (those uses, plus the technical
    scopes the sandbox or the dossier asked for)."""
    valid_until = valid_until or (today + DEFAULT_VALIDITY)
    if valid_until <= today:
        raise DecisionError(_("La fin de validité doit être dans le futur."), "valid_until")
    uses = _check_uses(dossier, approved_uses)
    decision.valid_until = valid_until
    decision.approved_uses = [
        {"scope": u.scope, "purpose": str(u.purpose), "retention_days": u.retention_days}
        for u in uses
    ]
    sandbox = _sandbox_client(service)
    technical = set((sandbox.scope_ceiling if sandbox else "").split()) & set(TECHNICAL_SCOPES)
    technical |= {u.scope for u in sources.requested_uses(dossier)} & set(TECHNICAL_SCOPES)
    decision.scope_ceiling = " ".join(sorted({u.scope for u in uses} | technical))


def _hold_for_reservations(agent, dossier: Dossier, decision: Decision, service, item):
    """A favourable opinion with suspensive reservations: referenced once they are lifted."""
    decision.suspensive_reservations = item.opinion_reservations or str(item.opinion.label)
    transition(
        dossier,
        DossierState.REFERENCED_PENDING,
        actor=agent,
        comment=_("En attente de la levée des réserves suspensives"),
    )
    _notify_editor(
        service,
        _("Référencement sous réserves suspensives : %(name)s", name=service.name),
        decision.suspensive_reservations,
        dossier,
    )
    record_event(agent, "decision.pending", "dossier", dossier.id)
    db.session.flush()
    return decision


def decision_id_after_flush(decision: Decision) -> int:
    db.session.flush()
    return decision.id


def lift_reservations(agent, decision: Decision, *, note: str) -> None:
    """The editor lifted the suspensive reservations: the referencing takes effect."""
    if not can_decide(agent):
        raise DecisionError(_("Vous ne détenez pas la délégation de signature des décisions."))
    if not decision.is_pending or decision.dossier.state is not DossierState.REFERENCED_PENDING:
        raise DecisionError(_("Aucune réserve suspensive n'est en attente sur ce dossier."))
    note = (note or "").strip()
    if not note:
        raise DecisionError(_("Indiquez comment les réserves ont été levées."), "note")
    decision.reservations_lifted_at = utcnow()
    decision.reservations_lifted_by_id = agent.id
    decision.reservations_lifted_note = note
    transition(decision.dossier, DossierState.REFERENCED, actor=agent, comment=note)
    _put_in_force(agent, decision, dossier_service(decision.dossier))


def _put_in_force(agent, decision: Decision, service) -> None:
    """Production client with the approved ceiling, published listing, editor notified."""
    renewal = request_decided_by(service, decision.dossier_id)
    # A renewal (or a new decision on a listed service) keeps the production client its
    # citizens' grants are bound to; only its ceiling follows the new decision.
    client = reuse_production_client(service, scope_ceiling=decision.scope_ceiling)
    if client is None:
        sandbox = _sandbox_client(service)
        client, _secret = create_client(
            service,
            kind=ClientKind.PRODUCTION,
            name=f"{service.name} (production)",
            redirect_uris=list(sandbox.redirect_uris) if sandbox else [],
            scope_ceiling=decision.scope_ceiling,
            auth_method=sandbox.token_endpoint_auth_method
            if sandbox
            else AuthMethod.CLIENT_SECRET_BASIC,
            jwks=sandbox.jwks if sandbox else None,
        )
    decision.client_id = client.id
    uses = [sources._as_use(u) for u in decision.approved_uses]
    until = decision.valid_until.strftime("%d/%m/%Y")
    sources.publish(
        service,
        actor=agent,
        decided_at=decision.reservations_lifted_at or decision.decided_at,
        valid_until=decision.valid_until,
        data_uses=uses,
        scores=sources.public_scores(decision.dossier),
        ecoscore=sources.public_ecoscore(decision.dossier),
        summary=_("Référencement renouvelé jusqu'au %(date)s", date=until)
        if renewal
        else _("Référencement jusqu'au %(date)s", date=until),
        event_kind=ServiceEventKind.RENEWED if renewal else ServiceEventKind.REFERENCED,
    )
    if renewal is not None:
        close_granted(renewal, utcnow())
    _notify_editor(
        service,
        _("Service référencé : %(name)s", name=service.name),
        _(
            "Client OAuth de production créé (identifiant %(client_id)s), scopes : %(scopes)s. "
            "Générez son secret depuis l'espace éditeur.",
            client_id=client.client_id,
            scopes=decision.scope_ceiling,
        ),
        decision.dossier,
    )
    record_event(
        agent, "decision.referenced", "dossier", decision.dossier_id, client=client.client_id
    )
    db.session.flush()


def _sandbox_client(service):
    sandboxes = [c for c in clients_of_service(service) if c.kind is ClientKind.SANDBOX]
    return sandboxes[-1] if sandboxes else None


def _check_uses(dossier: Dossier, uses: list[sources.DataUse]) -> list[sources.DataUse]:
    if not uses:
        raise DecisionError(_("Approuvez au moins un usage de données."), "uses")
    seen = set()
    allowed = {u.scope for u in sources.requested_uses(dossier)}
    for use in uses:
        if not SCOPE_SYNTAX.match(use.scope):
            raise DecisionError(
                _(
                    "« %(scope)s » n'est pas un scope SMART (ex. patient/Observation.rs).",
                    scope=use.scope,
                ),
                "uses",
            )
        if use.scope in seen:
            raise DecisionError(
                _("Le scope « %(scope)s » figure deux fois.", scope=use.scope), "uses"
            )
        seen.add(use.scope)
        if use.scope not in allowed:
            raise DecisionError(
                _("Le scope « %(scope)s » n'a pas été demandé par l'éditeur.", scope=use.scope),
                "uses",
            )
        if use.retention_days <= 0:
            raise DecisionError(_("La durée de conservation doit être positive."), "uses")
    return uses


def _notify_editor(service, title: str, body: str, dossier: Dossier) -> None:
    for user in editors_of(service):
        notify(user, "decision", title, body, "/editeur")
