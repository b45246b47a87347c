"""Sovereignty services: the registry, fact gathering, applying the rules' verdict
(suspension, reinstatement, delisting), deletion orders and the sweep.

Services flush, never commit; "now" is always a parameter (time travel for tests and
audits). Effects go through the spine: ``catalogue.services.set_service_status``,
``record_listing_event`` and ``authz.services``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from authz.services import grant_holders, revoke_service_grants
from catalogue.models import Service, ServiceEventKind, ServiceStatus
from catalogue.services import (
    WATCHED_STATUSES,
    declarations_of,
    editors_of,
    expiring_hds_certificates,
    get_service,
    record_listing_event,
    service_summaries,
    services_declaring_country,
    set_service_status,
)
from ens_core import uploads
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.notifications.services import notify, notify_many
from ens_core.providers import Slot
from review.sovereignty.models import (
    CaseState,
    Country,
    DeletionOrder,
    Membership,
    OrderState,
    SovereigntyCase,
    Union,
)
from review.sovereignty.registry import Period, Registry, seed_rows
from review.sovereignty.rules import Breach, HostingFact, OwnerFact, ServiceFacts, evaluate

ATTESTATION_MAX_BYTES = 10 * 1024 * 1024


class SovereigntyError(ValueError):
    """A request the rules refuse (the message is shown to the user)."""


# --------------------------------------------------------------------------- listing history


# --------------------------------------------------------------------------- dates


def at_noon(on: date) -> datetime:
    return datetime.combine(on, time(12), UTC)


def add_months(on: date, months: int) -> date:
    month = on.month - 1 + months
    year, month = on.year + month // 12, month % 12 + 1
    for day in (on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def regularisation_deadline(on: date) -> date:
    return add_months(on, int(current_app.config.get("ENS_REGULARISATION_MONTHS", 6)))


# --------------------------------------------------------------------------- registry


def seed_registry() -> int:
    """Create the initial registry if it is empty (idempotent); returns countries added."""
    countries, memberships = seed_rows()
    existing = set(db.session.scalars(select(Country.code)))
    added = 0
    for row in countries:
        if row["code"] not in existing:
            db.session.add(Country(**row))
            added += 1
    db.session.flush()
    if added:
        for row in memberships:
            if row["country_code"] not in existing:
                db.session.add(Membership(**{**row, "union": Union[row["union"]]}))
        db.session.flush()
    return added


def ensure_registry() -> None:
    """Seed the registry if it is empty (the migration seeds it; a wiped table must never
    read as "no country is in the EU", which would suspend every service)."""
    if db.session.scalar(select(Country.code).limit(1)) is None:
        seed_registry()


def load_registry() -> Registry:
    ensure_registry()
    periods: dict[str, list[Period]] = defaultdict(list)
    for m in db.session.scalars(select(Membership).order_by(Membership.joined_on)):
        periods[m.country_code].append(Period(str(m.union), m.joined_on, m.left_on))
    names = dict(db.session.execute(select(Country.code, Country.name)).all())
    return Registry(dict(periods), names)


def list_countries() -> list[Country]:
    ensure_registry()
    return list(db.session.scalars(select(Country).order_by(Country.code)))


def get_country(code: str) -> Country | None:
    ensure_registry()
    return db.session.get(Country, code.upper())


def record_leave(actor, code: str, union: Union, on: date, *, now: datetime) -> list[Action]:
    """Record that ``code`` leaves ``union`` on ``on`` (first day outside), audited.

    A change effective today or earlier is applied at once to the services it affects;
    a later one is picked up by the sweep when the date arrives.
    """
    country = get_country(code)
    if country is None:
        raise SovereigntyError(_("Pays inconnu : %(code)s.", code=code))
    current = db.session.scalar(
        select(Membership).where(
            Membership.country_code == country.code,
            Membership.union == union,
            Membership.left_on.is_(None),
        )
    )
    if current is None:
        raise SovereigntyError(
            _("%(country)s n'est pas membre de cette union.", country=country.name)
        )
    if on <= current.joined_on:
        raise SovereigntyError(_("La date de sortie doit suivre la date d'adhésion."))
    current.left_on = on
    record_event(
        actor, "sovereignty.country_leave", "country", country.code, union=str(union), on=str(on)
    )
    db.session.flush()
    return _apply_registry_change(actor, country.code, on, now)


def record_join(actor, code: str, union: Union, on: date, *, now: datetime, name=None):
    """Record that ``code`` joins ``union`` on ``on`` (creating the country if needed)."""
    code = code.upper()
    country = get_country(code)
    if country is None:
        if not name:
            raise SovereigntyError(_("Pays inconnu : %(code)s. Indiquez son nom.", code=code))
        country = Country(code=code, name=name)
        db.session.add(country)
        db.session.flush()
    overlapping = db.session.scalar(
        select(Membership).where(
            Membership.country_code == code,
            Membership.union == union,
            (Membership.left_on.is_(None)) | (Membership.left_on > on),
        )
    )
    if overlapping is not None:
        raise SovereigntyError(
            _("%(country)s est déjà membre de cette union à cette date.", country=country.name)
        )
    db.session.add(Membership(country_code=code, union=union, joined_on=on))
    record_event(actor, "sovereignty.country_join", "country", code, union=str(union), on=str(on))
    db.session.flush()
    return _apply_registry_change(actor, code, on, now)


def _apply_registry_change(actor, code: str, on: date, now: datetime) -> list[Action]:
    if on > now.date():
        return []
    ids = services_declaring_country(code)
    return sweep_services(ids, now=now, actor=actor) if ids else []


# --------------------------------------------------------------------------- facts


def gather_facts(service_ids=None) -> dict[int, ServiceFacts]:
    """The declarations of many services (default: all referenced or suspended ones), as
    the rules read them (set-based: see ``catalogue.services.declarations_of``)."""
    return {
        service_id: ServiceFacts(
            service_id,
            tuple(HostingFact(*row) for row in found.hosting),
            tuple(OwnerFact(*row) for row in found.owners),
        )
        for service_id, found in declarations_of(service_ids).items()
    }


def breaches_of(service: Service, on: date) -> list[Breach]:
    return evaluate(gather_facts([service.id])[service.id], load_registry(), on)


# --------------------------------------------------------------------------- decisions

SUSPEND, REINSTATE, DELIST, UNCHANGED = "suspended", "reinstated", "delisted", "unchanged"
AWAITING_REVIEW = "awaiting agent check"


@dataclass
class Action:
    service_id: int
    slug: str
    name: str
    status: str
    action: str
    breaches: list[Breach] = field(default_factory=list)
    deadline: date | None = None


def open_case_of(service_id: int) -> SovereigntyCase | None:
    return db.session.scalar(
        select(SovereigntyCase).where(
            SovereigntyCase.service_id == service_id, SovereigntyCase.state == CaseState.OPEN
        )
    )


def _decide(status: ServiceStatus, breaches: list[Breach], case, on: date, reviewed=()) -> str:
    if breaches:
        if case is None:
            return SUSPEND if status is ServiceStatus.REFERENCED else UNCHANGED
        return DELIST if on > case.deadline else UNCHANGED
    if case is not None:
        if case.awaiting_review and case.id not in reviewed:
            return AWAITING_REVIEW
        return REINSTATE
    return UNCHANGED


def plan(service_ids=None, *, on: date, wrap=None, reviewed=()) -> list[Action]:
    """What the rules demand on ``on`` for referenced and suspended services (no writes)."""
    services = service_summaries(WATCHED_STATUSES, service_ids)
    facts = gather_facts(service_ids)
    registry = load_registry()
    cases = {
        c.service_id: c
        for c in db.session.scalars(
            select(SovereigntyCase).where(SovereigntyCase.state == CaseState.OPEN)
        )
    }
    actions = []
    for row in wrap(services) if wrap else services:
        breaches = evaluate(facts[row.id], registry, on)
        case = cases.get(row.id)
        status = ServiceStatus(row.status)
        # A suspension that is not ours (a sanction) is only joined by a case, not lifted.
        decision = _decide(status, breaches, case, on, reviewed)
        if decision is UNCHANGED and breaches and case is None:
            decision = SUSPEND  # already suspended by a sanction: open the case anyway
        actions.append(
            Action(
                row.id,
                row.slug,
                row.name,
                str(status),
                decision,
                breaches,
                case.deadline if case else None,
            )
        )
    return actions


def sweep_services(
    service_ids=None, *, now: datetime, actor=None, dry_run=False, wrap=None, reviewed=()
) -> list[Action]:
    """Evaluate services and apply what the rules demand; returns the actions."""
    actions = plan(service_ids, on=now.date(), wrap=wrap, reviewed=reviewed)
    if dry_run:
        return actions
    for action in actions:
        if action.action in (UNCHANGED, AWAITING_REVIEW):
            continue
        service = get_service(action.service_id)
        if action.action == SUSPEND:
            action.deadline = suspend_for_breaches(service, action.breaches, actor=actor, now=now)
        elif action.action == REINSTATE:
            reinstate(service, actor=actor, now=now)
        elif action.action == DELIST:
            delist_for_missed_deadline(service, actor=actor, now=now)
    return actions


def evaluate_and_apply(
    service: Service, actor=None, now: datetime | None = None, *, agent_checked=False
) -> Action:
    """Evaluate one service now and apply the verdict (the immediate trigger).

    ``agent_checked``: an agent has checked the regularisation (a change declaration
    accepted in review), so a case awaiting review may be closed.
    """
    now = now or utcnow()
    case = open_case_of(service.id) if agent_checked else None
    reviewed = (case.id,) if case is not None else ()
    actions = sweep_services([service.id], now=now, actor=actor, reviewed=reviewed)
    if actions:
        return actions[0]
    return Action(service.id, service.slug, service.name, str(service.status), UNCHANGED)


def declaration_received(service: Service, actor=None, now: datetime | None = None) -> Action:
    """An editor declared hosting or ownership directly (editor portal): a new breach
    suspends at once; a cleared one waits for an agent's check before reinstatement."""
    case = open_case_of(service.id)
    if case is not None and not case.awaiting_review:
        case.awaiting_review = True
        db.session.flush()
    return evaluate_and_apply(service, actor, now)


def on_declaration(sender, *, services, declaration, **extra) -> None:
    """``declaration_recorded`` receiver: an editor's hosting or owner declaration is
    evaluated at once for every service it concerns (a new breach suspends)."""
    for service in services:
        declaration_received(service)


def accept_regularisation(agent, case: SovereigntyCase, *, now: datetime) -> Action:
    """An agent checked the editor's new declarations: reinstate if no breach remains."""
    if case.state is not CaseState.OPEN:
        raise SovereigntyError(_("Ce dossier de suspension est déjà clos."))
    service = get_service(case.service_id)
    remaining = breaches_of(service, now.date())
    if remaining:
        raise SovereigntyError(
            _("Des manquements subsistent : %(what)s.", what=_breach_text(remaining))
        )
    case.reviewed_by_id = agent.id
    record_event(agent, "sovereignty.regularisation_accepted", "sovereignty_case", case.id)
    return evaluate_and_apply(service, agent, now, agent_checked=True)


# --------------------------------------------------------------------------- effects


def breach_label(code: str) -> str:
    """A breach's code in words (the suspension's reason, the public statistics)."""
    labels = {
        "hosting_outside_eea": _("hébergement hors de l'EEE"),
        "hds_missing": _("certificat HDS absent"),
        "hds_expired": _("certificat HDS expiré"),
        "owner_outside_eu": _("actionnaire de contrôle hors de l'UE"),
    }
    return labels.get(code, code)


def _breach_text(breaches: list[Breach]) -> str:
    parts = []
    for b in breaches:
        where = b.detail.get("country") or ""
        parts.append(f"{breach_label(b.code)}{f' ({where})' if where else ''}")
    return ", ".join(dict.fromkeys(parts))


def notify_service_people(service: Service, kind: str, title: str, body: str, link=None, now=None):
    """Notify the editor's members one by one (``kind``), and every citizen holding an
    active grant in one INSERT ... SELECT (a service may have hundreds of thousands of
    grants), as the citizen-facing kind ``service_suspended`` so their preference applies."""
    now = now or utcnow()
    notify_editors(service, kind, title, body, link)
    notify_many(grant_holders(service, now), "service_suspended", title, body, link, now=now)


def suspend_for_breaches(service: Service, breaches: list[Breach], *, actor, now: datetime):
    """Suspend at once (if referenced), open a case with a regularisation deadline."""
    on = now.date()
    deadline = regularisation_deadline(on)
    reason = _("Suspension pour non-conformité : %(what)s.", what=_breach_text(breaches))
    legal_basis = "; ".join(dict.fromkeys(b.legal_basis for b in breaches))
    was_referenced = service.status is ServiceStatus.REFERENCED
    case = SovereigntyCase(
        service_id=service.id,
        breaches=[b.as_dict() for b in breaches],
        opened_on=on,
        deadline=deadline,
        opened_at=now,
        suspended_service=was_referenced,
    )
    db.session.add(case)
    if was_referenced:
        set_service_status(service, ServiceStatus.SUSPENDED, actor=actor, reason=reason)
        record_listing_event(
            service,
            ServiceEventKind.SUSPENDED,
            reason,
            at=now,
            details={
                "reason": reason,
                "legal_basis": legal_basis,
                "deadline": deadline.isoformat(),
                "breaches": [b.as_dict() for b in breaches],
            },
        )
    record_event(
        actor, "sovereignty.suspended", "service", service.id, deadline=str(deadline), reason=reason
    )
    notify_service_people(
        service,
        "sovereignty.suspended",
        _("%(service)s est suspendu", service=service.name),
        _(
            "%(reason)s Le service ne peut plus accéder à vos données. Date limite de régularisation : %(deadline)s.",
            reason=reason,
            deadline=deadline.strftime("%d/%m/%Y"),
        ),
        now=now,
    )
    db.session.flush()
    return deadline


@runtime_checkable
class OtherSuspension(Protocol):
    """Does a measure other than the sovereignty rules (a sanction) keep ``service``
    suspended on ``on``? Sanctions belong to surveillance, which builds on this module and
    provides the answer in its ``init_app``."""

    def __call__(self, service: Service, on: date) -> bool: ...


OTHER_SUSPENSION = Slot("other suspension", OtherSuspension)


def reinstate(service: Service, *, actor, now: datetime) -> None:
    """Close the open case as regularised and put the service back in the catalogue."""
    case = open_case_of(service.id)
    if case is not None:
        case.state = CaseState.REGULARISED
        case.closed_on = now.date()
    if service.status is not ServiceStatus.SUSPENDED or OTHER_SUSPENSION.get()(service, now.date()):
        db.session.flush()
        return
    reason = _("Situation régularisée : service rétabli.")
    set_service_status(service, ServiceStatus.REFERENCED, actor=actor, reason=reason)
    record_listing_event(
        service, ServiceEventKind.REINSTATED, reason, at=now, details={"reason": reason}
    )
    record_event(actor, "sovereignty.reinstated", "service", service.id)
    notify_service_people(
        service,
        "sovereignty.reinstated",
        _("%(service)s est rétabli", service=service.name),
        _("Le service a régularisé sa situation ; vos autorisations fonctionnent à nouveau."),
        now=now,
    )


def delist(service: Service, *, actor, now: datetime, reason: str, kind=ServiceEventKind.DELISTED):
    """Delist: status, production clients disabled, every grant revoked, public event."""
    set_service_status(service, ServiceStatus.DELISTED, actor=actor, reason=reason)
    notify_service_people(
        service,
        "service.delisted",
        _("%(service)s est déréférencé", service=service.name),
        reason,
        now=now,
    )
    revoked = revoke_service_grants(service, reason="delisted", now=now)
    record_listing_event(service, kind, reason, at=now, details={"reason": reason})
    record_event(actor, "service.delisted", "service", service.id, grants_revoked=revoked)
    return revoked


def delist_for_missed_deadline(service: Service, *, actor, now: datetime) -> DeletionOrder:
    case = open_case_of(service.id)
    reason = _(
        "Déréférencement : situation non régularisée avant le %(deadline)s.",
        deadline=case.deadline.strftime("%d/%m/%Y") if case else "",
    )
    delist(service, actor=actor, now=now, reason=reason)
    if case is not None:
        case.state = CaseState.DELISTED
        case.closed_on = now.date()
    return issue_deletion_order(service, actor=actor, now=now, reason=reason, case=case)


# --------------------------------------------------------------------------- deletion orders


def issue_deletion_order(service, *, actor, now: datetime, reason: str, case=None):
    days = int(current_app.config.get("ENS_DELETION_ORDER_DAYS", 30))
    order = DeletionOrder(
        service_id=service.id,
        case_id=case.id if case else None,
        reason=reason,
        issued_on=now.date(),
        due_on=now.date() + timedelta(days=days),
        issued_at=now,
    )
    db.session.add(order)
    db.session.flush()
    record_event(
        actor, "sovereignty.deletion_order", "deletion_order", order.id, service=service.id
    )
    notify_editors(
        service,
        "sovereignty.deletion_order",
        _("Ordre de suppression des données de %(service)s", service=service.name),
        _(
            "Supprimez les données de santé des titulaires et déposez une attestation avant le %(due)s.",
            due=order.due_on.strftime("%d/%m/%Y"),
        ),
        f"/editeur/conformite/suppressions/{order.id}",
    )
    return order


def notify_editors(service: Service, kind: str, title: str, body: str, link=None) -> None:
    """Notify each editor member of ``service`` (``kind``)."""
    for member in editors_of(service):
        notify(member, kind, title, body, link)


ATTESTATION_FOLDER = "deletion_attestations"


def submit_attestation(editor, order: DeletionOrder, *, filename: str, content: bytes, now):
    """Store the editor's PDF attestation outside the web root (checked by content)."""
    if order.state is OrderState.ACCEPTED:
        raise SovereigntyError(_("Cet ordre est déjà clos."))
    if len(content) > ATTESTATION_MAX_BYTES:
        raise SovereigntyError(_("Le fichier dépasse 10 Mo."))
    if not uploads.matches(content, uploads.PDF):
        raise SovereigntyError(_("Le fichier doit être un PDF."))
    stored = uploads.store(ATTESTATION_FOLDER, content, uploads.PDF)
    order.attestation_path = stored.name
    order.attestation_filename = Path(filename or "attestation.pdf").name[:200]
    order.attestation_sha256 = stored.sha256
    order.attestation_uploaded_at = now
    order.attestation_uploaded_by_id = editor.id
    order.state = OrderState.SUBMITTED
    record_event(editor, "sovereignty.attestation_submitted", "deletion_order", order.id)
    db.session.flush()


def attestation_file(order: DeletionOrder) -> Path | None:
    if not order.attestation_path:
        return None
    return uploads.path_of(ATTESTATION_FOLDER, order.attestation_path)


def review_attestation(agent, order: DeletionOrder, *, accept: bool, comment: str, now):
    """Accept the attestation (order closed) or send it back to the editor."""
    if order.state is not OrderState.SUBMITTED:
        raise SovereigntyError(_("Aucune attestation à examiner."))
    order.reviewed_by_id = agent.id
    order.reviewed_at = now
    order.review_comment = comment
    order.state = OrderState.ACCEPTED if accept else OrderState.OPEN
    record_event(
        agent, "sovereignty.attestation_reviewed", "deletion_order", order.id, accepted=accept
    )
    service = get_service(order.service_id)
    notify_editors(
        service,
        "sovereignty.attestation_reviewed",
        _("Attestation acceptée") if accept else _("Attestation refusée"),
        comment,
        f"/editeur/conformite/suppressions/{order.id}",
    )
    db.session.flush()


def deletion_orders(*, service_ids=None, only_open=False) -> list[DeletionOrder]:
    query = select(DeletionOrder).order_by(DeletionOrder.due_on, DeletionOrder.id)
    if service_ids is not None:
        query = query.where(DeletionOrder.service_id.in_(list(service_ids)))
    if only_open:
        query = query.where(DeletionOrder.state != OrderState.ACCEPTED)
    return list(db.session.scalars(query))


def overdue_orders(on: date) -> list[DeletionOrder]:
    return list(
        db.session.scalars(
            select(DeletionOrder).where(
                DeletionOrder.state != OrderState.ACCEPTED, DeletionOrder.due_on < on
            )
        )
    )


def cases(*, state: CaseState | None = None, service_ids=None) -> list[SovereigntyCase]:
    query = select(SovereigntyCase).order_by(SovereigntyCase.opened_at.desc())
    if state is not None:
        query = query.where(SovereigntyCase.state == state)
    if service_ids is not None:
        query = query.where(SovereigntyCase.service_id.in_(list(service_ids)))
    return list(db.session.scalars(query))


def expiring_certificates(on: date, within_days: int = 60) -> list[tuple[str, str, date]]:
    """(slug, country, expiry) of HDS certificates in force that lapse within the window."""
    return expiring_hds_certificates(on, within_days, WATCHED_STATUSES)
