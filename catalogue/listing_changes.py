"""What is published is what was reviewed: changes to a published listing.

A draft listing is the editor's to edit. Once a service has left the draft stage
(referenced, suspended or delisted), its reviewed fields — what the service says it is and
does — change only through a proposal that an agent accepts; a short list of harmless
fields is published at once (DESIGN.md, "Listing changes"). Every published change is an
entry in the listing's public history.

Review's agent screen calls these functions; the catalogue never imports review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from catalogue.models import (
    ListingChange,
    ListingChangeState,
    Service,
    ServiceEventKind,
    ServiceStatus,
)
from catalogue.services import editors_of, record_listing_event
from ens_core.audit.services import record_event
from ens_core.db import db, utcnow
from ens_core.notifications.services import notify

# What the service claims to be and to do: an agent reads it before it is published.
REVIEWED_FIELDS = {
    "name": _l("Nom du service"),
    "short_description": _l("Description courte"),
    "long_description": _l("Description détaillée"),
    "short_description_en": _l("Description courte (anglais)"),
    "long_description_en": _l("Description détaillée (anglais)"),
    "categories": _l("Thèmes"),
    "audiences": _l("Publics"),
    "price_model": _l("Modèle de prix"),
    "privacy_policy_url": _l("Politique de confidentialité"),
}
# Practical facts the editor is answerable for, that promise nothing about health data:
# published at once, and recorded in the public history all the same.
AUTOMATIC_FIELDS = {
    "website_url": _l("Site du service"),
    "accessibility_statement_url": _l("Déclaration d'accessibilité"),
    "platforms": _l("Supports"),
}
FIELD_LABELS = {**REVIEWED_FIELDS, **AUTOMATIC_FIELDS, "logo": _l("Logo")}


class ListingChangeError(ValueError):
    """A review that cannot be recorded (already reviewed, no reason for a refusal)."""

    def __init__(self, message: str, field: str = "comment"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FieldDiff:
    """One field of a proposal: its label, the published value and the proposed one."""

    field: str
    label: str
    published: object
    proposed: object


@dataclass(frozen=True)
class EditOutcome:
    """What an edit of a published listing did: fields published at once, and the
    proposal waiting for an agent (None when the reviewed fields did not change)."""

    published: tuple[str, ...]
    proposal: ListingChange | None


def is_reviewed(service: Service) -> bool:
    """Do edits of this listing go through an agent? (Every listing out of draft.)"""
    return service.status is not ServiceStatus.DRAFT


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _differing(service: Service, values: dict, names) -> dict:
    return {
        name: values.get(name)
        for name in names
        if name in values and _normalised(values.get(name)) != _normalised(getattr(service, name))
    }


def _normalised(value):
    return None if value in ("", [], None) else value


def record_published_change(service: Service, names, *, at: datetime | None = None) -> None:
    """The public history's entry for fields that changed on the listing."""
    names = list(names)
    if not names:
        return
    summary = _("Champs modifiés : %(fields)s", fields=", ".join(field_label(n) for n in names))
    record_listing_event(service, ServiceEventKind.LISTING_CHANGED, summary, at=at, fields=names)


def pending_listing_change(service: Service) -> ListingChange | None:
    return db.session.scalar(
        select(ListingChange).where(
            ListingChange.service_id == service.id,
            ListingChange.state == ListingChangeState.PENDING,
        )
    )


def last_rejected_listing_change(service: Service) -> ListingChange | None:
    return db.session.scalar(
        select(ListingChange)
        .where(
            ListingChange.service_id == service.id,
            ListingChange.state == ListingChangeState.REJECTED,
        )
        .order_by(ListingChange.reviewed_at.desc(), ListingChange.id.desc())
        .limit(1)
    )


def pending_listing_changes() -> list[ListingChange]:
    """Every proposal waiting for an agent, oldest first."""
    return list(
        db.session.scalars(
            select(ListingChange)
            .where(ListingChange.state == ListingChangeState.PENDING)
            .order_by(ListingChange.proposed_at, ListingChange.id)
        )
    )


def get_listing_change(change_id: int) -> ListingChange | None:
    return db.session.get(ListingChange, change_id)


def listing_diff(change: ListingChange) -> list[FieldDiff]:
    """Field by field, the published value next to the proposed one."""
    service = change.service
    return [
        FieldDiff(name, field_label(name), getattr(service, name), change.fields[name])
        for name in REVIEWED_FIELDS
        if name in change.fields
    ]


def _supersede_pending(service: Service) -> None:
    current = pending_listing_change(service)
    if current is not None:
        current.state = ListingChangeState.SUPERSEDED


def propose_listing_change(editor, service: Service, values: dict) -> EditOutcome:
    """An edit of a published listing: harmless fields are published at once (with an
    entry in the history); reviewed fields that differ from the published listing become
    one pending proposal, replacing any earlier one. Going back to the published text
    withdraws the pending proposal."""
    automatic = _differing(service, values, AUTOMATIC_FIELDS)
    for name, value in automatic.items():
        setattr(service, name, value)
    record_published_change(service, automatic)
    proposed = _differing(service, values, REVIEWED_FIELDS)
    _supersede_pending(service)
    proposal = None
    if proposed:
        proposal = ListingChange(service_id=service.id, fields=proposed, proposed_by_id=editor.id)
        db.session.add(proposal)
    db.session.flush()
    record_event(
        editor,
        "listing.change_proposed",
        "service",
        service.id,
        published=sorted(automatic),
        proposed=sorted(proposed),
    )
    return EditOutcome(tuple(automatic), proposal)


def _check_pending(change: ListingChange) -> None:
    if change.state is not ListingChangeState.PENDING:
        raise ListingChangeError(
            _("Cette proposition a déjà été traitée (%(state)s).", state=change.state.label),
            field="decision",
        )


def _notify_editors(change: ListingChange, kind: str, title: str, body: str) -> None:
    for member in editors_of(change.service):
        notify(member, kind, title, body, f"/editeur/services/{change.service_id}")


def accept_listing_change(agent, change: ListingChange, *, now: datetime | None = None) -> None:
    """Publish the proposal on the listing, record it in the public history, tell the
    editor."""
    _check_pending(change)
    now = now or utcnow()
    service = change.service
    for name, value in change.fields.items():
        if name in REVIEWED_FIELDS:
            setattr(service, name, value)
    change.state = ListingChangeState.ACCEPTED
    change.reviewed_by_id = agent.id
    change.reviewed_at = now
    record_published_change(service, [n for n in REVIEWED_FIELDS if n in change.fields], at=now)
    record_event(agent, "listing.change_accepted", "listing_change", change.id)
    _notify_editors(
        change,
        "listing.change_accepted",
        _("Modification de la fiche de %(service)s publiée", service=service.name),
        _("Un agent a accepté votre modification : elle est en ligne."),
    )
    db.session.flush()


def reject_listing_change(
    agent, change: ListingChange, *, reason: str, now: datetime | None = None
) -> None:
    """Refuse the proposal (a reason is required); the published listing stays as it
    is and the editor is told why."""
    _check_pending(change)
    reason = (reason or "").strip()
    if not reason:
        raise ListingChangeError(_("Donnez le motif du refus : l'éditeur le recevra."))
    change.state = ListingChangeState.REJECTED
    change.reviewed_by_id = agent.id
    change.reviewed_at = now or utcnow()
    change.review_comment = reason
    record_event(agent, "listing.change_rejected", "listing_change", change.id)
    _notify_editors(
        change,
        "listing.change_rejected",
        _("Modification de la fiche de %(service)s refusée", service=change.service.name),
        _("Motif : %(reason)s", reason=reason),
    )
    db.session.flush()
