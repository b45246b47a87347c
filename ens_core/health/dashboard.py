"""What the dashboard shows and does: connected services (grants), history, export.

``viewer`` is the person looking (the citizen, or a guardian acting for them);
``citizen`` is whose space it is. A guardian never sees what the minor hid."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote, urlencode

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import String, cast, func, or_, select

from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow
from ens_core.fhir import mapping
from ens_core.fhir.sources import source_key, source_uris
from ens_core.health import services as health
from ens_core.health.access_log import WRITES, record_access
from ens_core.health.connections import CONSENTS
from ens_core.health.delegation import hidden_from_guardian
from ens_core.health.models import AccessLogEntry, Appointment, Document, Measurement
from ens_core.service_directory import SERVICES
from ens_core.wording import PermissionLine, permission_lines

PAGE_SIZE = 25
READS = ("read", "search", "export")


def is_guardian_view(viewer, citizen) -> bool:
    return viewer is not None and viewer.id != citizen.id


@dataclass
class ConnectedService:
    """One card of the "Services connectés" page: the service, what it may do in plain
    words, since and until when, its last access."""

    grant: object
    service: object
    permissions: list[PermissionLine]
    last_access: datetime | None
    active: bool
    expiring_soon: bool
    logo_url: str | None = None
    page_url: str | None = None

    @property
    def since(self) -> datetime:
        return self.grant.created_at

    @property
    def until(self) -> datetime | None:
        """When the access ends (or ended): the withdrawal, else the agreed end."""
        return self.grant.revoked_at or self.grant.expires_at

    @property
    def one_time(self) -> bool:
        return bool(self.grant.expires_at) and (
            self.grant.expires_at - self.grant.created_at
        ) < timedelta(hours=1)


def _last_accesses(citizen, service_ids) -> dict[int, datetime]:
    """The last successful access of each service to the citizen's data (one query)."""
    if not service_ids:
        return {}
    rows = db.session.execute(
        select(AccessLogEntry.service_id, func.max(AccessLogEntry.at))
        .where(
            AccessLogEntry.citizen_id == citizen.id,
            AccessLogEntry.service_id.in_(sorted(service_ids)),
            AccessLogEntry.outcome == "success",
        )
        .group_by(AccessLogEntry.service_id)
    )
    return dict(rows.all())


def _visible_grants(citizen, viewer):
    hidden_services = set()
    if is_guardian_view(viewer, citizen):
        hidden_services, _ = hidden_from_guardian(citizen)
    return [g for g in CONSENTS.get().grants_of(citizen.id) if g.service_id not in hidden_services]


def connected_services(citizen, viewer=None, now=None) -> list[ConnectedService]:
    """The services connected to ``citizen``'s space as the viewer may see them: live ones
    first (the soonest to end first), then those that ended, most recent first."""
    now = now or utcnow()
    grants = _visible_grants(citizen, viewer)
    service_ids = {grant.service_id for grant in grants}
    directory = SERVICES.get()
    services = directory.by_ids(service_ids)
    last = _last_accesses(citizen, service_ids)
    cards = []
    for grant in grants:
        service = services.get(grant.service_id)
        active = grant.is_active(now)
        cards.append(
            ConnectedService(
                grant=grant,
                service=service,
                permissions=permission_lines(service, grant.scopes.split()),
                last_access=last.get(grant.service_id),
                active=active,
                expiring_soon=bool(
                    active and grant.expires_at and grant.expires_at <= now + timedelta(days=30)
                ),
                logo_url=directory.logo_url(service) if service else None,
                page_url=directory.page_url(service) if service else None,
            )
        )
    live = sorted((c for c in cards if c.active), key=lambda c: c.until or now)
    ended = sorted((c for c in cards if not c.active), key=lambda c: c.until or now, reverse=True)
    return live + ended


def grant_of_citizen(citizen, grant_id: int, viewer=None):
    grant = CONSENTS.get().get(grant_id)
    if grant is None or grant.citizen_id != citizen.id:
        return None
    if is_guardian_view(viewer, citizen) and grant.service_id in hidden_from_guardian(citizen)[0]:
        return None
    return grant


def connected_service(citizen, grant_id: int, viewer=None) -> ConnectedService | None:
    """One card of the page, when the grant is the citizen's and the viewer may see it."""
    grant = grant_of_citizen(citizen, grant_id, viewer)
    if grant is None:
        return None
    return next(c for c in connected_services(citizen, viewer) if c.grant.id == grant.id)


def retention_after_stop(card: ConnectedService) -> int | None:
    """How many days, at most, the service keeps what it already copied: the longest
    retention it declared for the permissions of this grant (None when not declared)."""
    scopes = set(card.grant.scopes.split())
    days = [u.retention_days for u in (card.service.data_uses or []) if u.scope in scopes]
    return max(days) if days else None


@dataclass
class DeletionRequest:
    """How to ask the service to erase what it copied (GDPR art. 17): a pre-filled e-mail
    to its editor's contact, and its privacy policy."""

    mailto: str | None
    privacy_url: str | None
    editor: str


def deletion_request(service, citizen) -> DeletionRequest:
    organisation = service.organisation
    email = getattr(organisation, "contact_email", None)
    mailto = None
    if email:
        subject = _("Demande d'effacement de mes données (RGPD, article 17)")
        body = _(
            "Bonjour,\n\nJ'ai arrêté le partage de mon espace santé avec %(service)s. Je vous"
            " demande d'effacer toutes les données me concernant que vous avez copiées, et"
            " de me le confirmer.\n\n%(name)s",
            service=service.name,
            name=citizen.name,
        )
        mailto = f"mailto:{email}?" + urlencode({"subject": subject, "body": body}, quote_via=quote)
    return DeletionRequest(
        mailto=mailto,
        privacy_url=getattr(service, "privacy_policy_url", None),
        editor=organisation.legal_name,
    )


def stop_sharing(citizen, grant, viewer) -> None:
    """End the grant and its tokens (the service loses access at its next request); the
    consent history records who did it."""
    CONSENTS.get().withdraw(grant, by=viewer or citizen)


def renew(citizen, grant, viewer=None, now=None) -> None:
    """Extend a live grant by its original duration, counted from today (a receipt is
    written in the consent history)."""
    CONSENTS.get().renew(grant, now=now or utcnow(), by=viewer or citizen)


@dataclass
class ConsentEvent:
    at: datetime
    event: str  # granted | renewed | withdrawn
    service_name: str
    receipt_id: str
    until: datetime | None
    receipt_visible: bool  # the receipt is shown to its citizen and to whoever acted


def consent_history(citizen, viewer=None) -> list[ConsentEvent]:
    """Every grant, renewal and withdrawal of the citizen's connections, newest first
    (a guardian does not see those of services the minor hid)."""
    hidden = hidden_from_guardian(citizen)[0] if is_guardian_view(viewer, citizen) else set()
    entries = [e for e in CONSENTS.get().history(citizen.id) if e.service_id not in hidden]
    names = {
        sid: service.name
        for sid, service in SERVICES.get().by_ids({e.service_id for e in entries}).items()
    }
    return [
        ConsentEvent(
            at=entry.created_at,
            event=entry.document.get("event", "granted"),
            service_name=names.get(entry.service_id) or entry.document["service"]["name"],
            receipt_id=entry.public_id,
            until=_parse_moment(entry.document.get("expires_at")),
            receipt_visible=(viewer or citizen).id in (entry.citizen_id, entry.consented_by_id),
        )
        for entry in entries
    ]


def _parse_moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- history -----------------------------------------------------------------------------


def history(citizen, viewer=None, *, filters: dict | None = None, page_size: int = PAGE_SIZE):
    """The citizen's access log as the viewer may see it, filtered, newest first: the
    entries of one page, the total, the page and the count of pages."""
    filters = filters or {}
    query = select(AccessLogEntry).where(AccessLogEntry.citizen_id == citizen.id)
    if is_guardian_view(viewer, citizen):
        hidden, _ = hidden_from_guardian(citizen)
        if hidden:
            query = query.where(
                or_(AccessLogEntry.service_id.is_(None), AccessLogEntry.service_id.not_in(hidden))
            )
    if filters.get("service"):
        query = query.where(AccessLogEntry.service_id == filters["service"])
    if filters.get("resource_type"):
        query = query.where(AccessLogEntry.resource_type == filters["resource_type"])
    if filters.get("start"):
        query = query.where(
            AccessLogEntry.at >= datetime.combine(filters["start"], time(0), tzinfo=UTC)
        )
    if filters.get("end"):
        query = query.where(
            AccessLogEntry.at
            < datetime.combine(filters["end"], time(0), tzinfo=UTC) + timedelta(days=1)
        )
    kind = filters.get("kind")
    if kind == "reads":
        query = query.where(AccessLogEntry.interaction.in_(READS))
    elif kind == "writes":
        query = query.where(AccessLogEntry.interaction.in_(WRITES))
    elif kind == "failures":
        query = query.where(AccessLogEntry.outcome != "success")
    if filters.get("q"):
        for word in filters["q"].split()[:5]:
            pattern = f"%{word.lower()}%"
            query = query.where(
                or_(
                    func.lower(func.coalesce(AccessLogEntry.service_name, "")).like(pattern),
                    func.lower(func.coalesce(AccessLogEntry.editor_name, "")).like(pattern),
                    func.lower(func.coalesce(AccessLogEntry.actor_name, "")).like(pattern),
                    func.lower(AccessLogEntry.resource_type).like(pattern),
                    func.lower(AccessLogEntry.interaction).like(pattern),
                    func.lower(func.coalesce(AccessLogEntry.detail, "")).like(pattern),
                    func.lower(cast(AccessLogEntry.resource_ids, String)).like(pattern),
                )
            )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, filters.get("page") or 1)
    entries = db.session.scalars(
        query.order_by(AccessLogEntry.at.desc(), AccessLogEntry.seq.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    pages = max(1, (total + page_size - 1) // page_size)
    return entries, total, page, pages


def services_in_history(citizen, viewer=None) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(AccessLogEntry.service_id, func.max(AccessLogEntry.service_name))
        .where(AccessLogEntry.citizen_id == citizen.id, AccessLogEntry.service_id.is_not(None))
        .group_by(AccessLogEntry.service_id)
    ).all()
    hidden = hidden_from_guardian(citizen)[0] if is_guardian_view(viewer, citizen) else set()
    return sorted(
        ((sid, name) for sid, name in rows if sid not in hidden), key=lambda r: r[1] or ""
    )


def log_delegate_view(citizen, viewer, resource_type: str, ip: str | None) -> None:
    """A guardian looking at the ward's space is an access by a delegate: logged, even
    when the page answers 400 for a bad filter (it still shows the data), which the
    transaction boundary would otherwise roll back."""
    if is_guardian_view(viewer, citizen):
        record_even_if_refused(
            lambda: record_access(
                citizen,
                interaction="read",
                resource_type=resource_type,
                actor=viewer,
                ip=ip,
                detail="acting for",
            )
        )


# --- export ------------------------------------------------------------------------------

EXPORT_PATIENT_ID = "me"
EXPORT_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def export_filename(now=None) -> str:
    return f"mon-espace-sante-{(now or utcnow()).date().isoformat()}.zip"


def build_export(citizen, viewer=None, ip: str | None = None, now=None) -> tuple[str, bytes]:
    """A zip with ``bundle.json`` (a FHIR R4 collection Bundle of everything visible to the
    viewer), the documents' files and ``resume.html`` (human-readable summary). The export
    is logged in the citizen's access log, in the caller's transaction."""
    now = now or utcnow()
    measurements, documents, appointments = _visible_records(citizen, viewer)
    entries, files = _export_entries(citizen, measurements, documents, appointments)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "entry": entries,
    }
    html = render_template(
        "ens_core/health/export_summary.html",
        citizen=citizen,
        measurements=measurements,
        documents=documents,
        appointments=appointments,
        generated_at=now,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", json.dumps(bundle, ensure_ascii=False, indent=1))
        archive.writestr("resume.html", html)
        for name, data in files.items():
            archive.writestr(name, data)
    record_access(
        citizen,
        interaction="export",
        resource_type="Bundle",
        resource_ids=[],
        actor=viewer,
        ip=ip,
        detail=f"{len(entries)} resources",
    )
    return export_filename(now), buffer.getvalue()


def _visible_records(citizen, viewer) -> tuple[list, list, list]:
    """The measurements, documents and appointments the viewer may see, in date order."""
    vis = health.Visibility.of(
        citizen, guardian=viewer if is_guardian_view(viewer, citizen) else None
    )
    measurements = db.session.scalars(
        vis.filter_measurements(
            select(Measurement).where(Measurement.citizen_id == citizen.id)
        ).order_by(Measurement.effective_at)
    ).all()
    documents = db.session.scalars(
        vis.filter_documents(select(Document).where(Document.citizen_id == citizen.id)).order_by(
            Document.date
        )
    ).all()
    appointments = db.session.scalars(
        vis.filter_appointments(
            select(Appointment).where(Appointment.citizen_id == citizen.id)
        ).order_by(Appointment.start)
    ).all()
    return measurements, documents, appointments


def _export_entries(citizen, measurements, documents, appointments) -> tuple[list, dict]:
    """The Bundle's entries (the patient first) and the documents' files by zip name."""
    pid, base = EXPORT_PATIENT_ID, "urn:ens:export"
    sources = source_uris([*measurements, *documents, *appointments])
    entries = [
        {"fullUrl": f"{base}:Patient/{pid}", "resource": mapping.patient_to_fhir(citizen, pid)}
    ]
    files = {}
    for m in measurements:
        resource = mapping.observation_to_fhir(m, pid, sources[source_key(m)])
        entries.append({"fullUrl": f"{base}:Observation/{m.public_id}", "resource": resource})
    for d in documents:
        resource = mapping.document_to_fhir(d, pid, sources[source_key(d)], base)
        extension = EXPORT_EXTENSIONS[d.binary.content_type]
        name = f"documents/{d.public_id}.{extension}"
        resource["content"][0]["attachment"]["url"] = name
        files[name] = d.binary.data
        entries.append({"fullUrl": f"{base}:DocumentReference/{d.public_id}", "resource": resource})
    for a in appointments:
        resource = mapping.appointment_to_fhir(a, pid, sources[source_key(a)])
        entries.append({"fullUrl": f"{base}:Appointment/{a.public_id}", "resource": resource})
    return entries, files
