"""Health space services: reading and writing the citizen's data under the visibility
rules (hidden data types, hidden documents, what a minor hides from a guardian), hiding,
connected services, abuse reports. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, or_, select

from ens_core import signals
from ens_core.db import db, utcnow
from ens_core.health import access_log
from ens_core.health.datatypes import BY_CODE, HIDEABLE_TYPES, MEASURES
from ens_core.health.delegation import hidden_from_guardian
from ens_core.health.models import (
    AbuseCategory,
    AbuseReport,
    Appointment,
    Binary,
    Document,
    HiddenDataType,
    Measurement,
)
from ens_core.notifications.services import notify
from ens_core.prepared import Prepared
from ens_core.signals import abuse_reported


@dataclass
class Visibility:
    """What a reader may see of ``citizen``'s space.

    ``for_service``: a connected service reads (types and documents the citizen hid from
    every service are out). ``guardian``: a guardian reads, directly or through a service
    they consented to (what the minor hid from guardians is out).
    """

    citizen: object
    for_service: bool = False
    guardian: object | None = None
    hidden_types: set[str] = field(default_factory=set)
    hidden_services: set[int] = field(default_factory=set)
    hidden_documents: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, citizen, *, for_service: bool = False, guardian=None) -> Visibility:
        vis = cls(citizen=citizen, for_service=for_service, guardian=guardian)
        if for_service:
            vis.hidden_types = hidden_types_of(citizen)
        if guardian is not None and guardian.id != citizen.id:
            vis.hidden_services, vis.hidden_documents = hidden_from_guardian(citizen)
        return vis

    def type_hidden(self, data_type: str) -> bool:
        return data_type in self.hidden_types

    def _source_filter(self, model):
        if not self.hidden_services:
            return None
        return or_(
            model.source_service_id.is_(None), model.source_service_id.not_in(self.hidden_services)
        )

    def filter_measurements(self, query: Select) -> Select:
        if self.hidden_types:
            query = query.where(Measurement.kind.not_in(self.hidden_types))
        src = self._source_filter(Measurement)
        return query if src is None else query.where(src)

    def filter_documents(self, query: Select) -> Select:
        if self.for_service:
            query = query.where(Document.hidden_at.is_(None))
        if self.hidden_documents:
            query = query.where(Document.id.not_in(self.hidden_documents))
        src = self._source_filter(Document)
        return query if src is None else query.where(src)

    def filter_appointments(self, query: Select) -> Select:
        if "appointments" in self.hidden_types:
            query = query.where(False)
        src = self._source_filter(Appointment)
        return query if src is None else query.where(src)

    def can_see(self, obj) -> tuple[bool, str | None]:
        """(visible, reason) for one record; the reason names the missing consent."""
        if isinstance(obj, Measurement) and self.type_hidden(obj.kind):
            return False, f"hidden-type:{obj.kind}"
        if isinstance(obj, Appointment) and self.type_hidden("appointments"):
            return False, "hidden-type:appointments"
        if isinstance(obj, Document):
            if self.for_service and obj.hidden_at is not None:
                return False, "hidden-document"
            if obj.id in self.hidden_documents:
                return False, "hidden-from-guardian"
        if getattr(obj, "source_service_id", None) in self.hidden_services:
            return False, "hidden-from-guardian"
        return True, None


# --- hiding ------------------------------------------------------------------------------


# Prepared once: every FHIR call by a connected service asks it.
_HIDDEN_TYPES = Prepared(
    select(HiddenDataType.data_type).where(HiddenDataType.citizen_id == bindparam("citizen"))
)


def hidden_types_of(citizen) -> set[str]:
    return set(_HIDDEN_TYPES.scalars({"citizen": citizen.id}))


def set_type_hidden(citizen, data_type: str, hidden: bool) -> None:
    if data_type not in HIDEABLE_TYPES:
        raise ValueError(data_type)
    row = db.session.scalar(
        select(HiddenDataType).where(
            HiddenDataType.citizen_id == citizen.id, HiddenDataType.data_type == data_type
        )
    )
    if hidden and row is None:
        db.session.add(HiddenDataType(citizen_id=citizen.id, data_type=data_type))
    elif not hidden and row is not None:
        db.session.delete(row)
    db.session.flush()


def set_document_hidden(citizen, document: Document, hidden: bool) -> None:
    if document.citizen_id != citizen.id:
        raise PermissionError("not the citizen's document")
    document.hidden_at = utcnow() if hidden else None
    db.session.flush()


# --- queries -----------------------------------------------------------------------------


@dataclass
class Page:
    items: list
    total: int
    offset: int
    count: int


def _date_conditions(column, ranges):
    return [op(column, value) for op, value in ranges]


def _citizen_rows(model, vis: Visibility, date_column, date_ranges, **one_of):
    """The citizen's rows of ``model``: ``date_column`` within ``date_ranges``, and each
    column named in ``one_of`` among the values given (when any are)."""
    query = select(model).where(model.citizen_id == vis.citizen.id)
    for column, values in one_of.items():
        if values:
            query = query.where(getattr(model, column).in_(values))
    for cond in _date_conditions(date_column, date_ranges or []):
        query = query.where(cond)
    return query


def search_measurements(
    vis: Visibility,
    *,
    codes: list[str] | None = None,
    kinds: list[str] | None = None,
    date_ranges: list | None = None,
    newest_first: bool = True,
    offset: int = 0,
    count: int = 50,
    with_total: bool = True,
) -> Page:
    query = _citizen_rows(
        Measurement, vis, Measurement.effective_at, date_ranges, code=codes, kind=kinds
    )
    query = vis.filter_measurements(query)
    order = (
        (Measurement.effective_at.desc(), Measurement.id.desc())
        if newest_first
        else (Measurement.effective_at, Measurement.id)
    )
    return _page(query, order, offset, count, with_total=with_total)


def search_documents(
    vis: Visibility,
    *,
    type_codes: list[str] | None = None,
    date_ranges: list | None = None,
    text: str | None = None,
    offset: int = 0,
    count: int = 50,
) -> Page:
    query = _citizen_rows(Document, vis, Document.date, date_ranges, type_code=type_codes)
    if text:
        for word in text.split()[:8]:
            pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
            query = query.where(
                or_(
                    func.lower(Document.title).like(pattern),
                    func.lower(func.coalesce(Document.description, "")).like(pattern),
                )
            )
    query = vis.filter_documents(query)
    return _page(query, (Document.date.desc(), Document.id.desc()), offset, count)


def search_appointments(
    vis: Visibility,
    *,
    date_ranges: list | None = None,
    statuses: list[str] | None = None,
    offset: int = 0,
    count: int = 50,
    newest_first: bool = False,
) -> Page:
    query = _citizen_rows(Appointment, vis, Appointment.start, date_ranges, status=statuses)
    query = vis.filter_appointments(query)
    order = Appointment.start.desc() if newest_first else Appointment.start
    return _page(query, (order, Appointment.id), offset, count)


def _page(query, order: tuple, offset: int, count: int, *, with_total: bool = True) -> Page:
    """One page of ``query``'s rows in ``order``, with the number of all the rows (-1 when
    not ``with_total``)."""
    total = (
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        if with_total
        else -1
    )
    items = list(db.session.scalars(query.order_by(*order).offset(offset).limit(count)))
    return Page(items, total, offset, count)


def get_owned(model, citizen, public_id: str):
    """The citizen's record with this public id, or None (never another citizen's)."""
    return db.session.scalar(
        select(model).where(model.public_id == public_id, model.citizen_id == citizen.id)
    )


# --- Observations as rows (the FHIR API's express lane) -----------------------------------

_M = Measurement.__table__
_ROW_COLUMNS = (
    "public_id",
    "kind",
    "code",
    "effective_at",
    "value",
    "value2",
    "unit",
    "status",
    "note",
    "version",
    "updated_at",
    "source_service_id",
    "source_client_id",
)
ObservationRow = namedtuple("ObservationRow", _ROW_COLUMNS)
ObservationRow.__doc__ = """A Measurement's columns that its FHIR resource shows, read in
one prepared statement (the attributes of a ``Measurement`` of the same names)."""

_SELECT_ROWS = select(*(_M.c[name] for name in _ROW_COLUMNS))


def _alongside(citizen) -> tuple:
    """Read with the rows, in the same statement: whether the citizen hides any data type,
    and the head of the citizen's access-log chain (the call's entry is linked to it
    before the write lock is taken: access_log.new_entry)."""
    hides = select(HiddenDataType.id).where(HiddenDataType.citizen_id == citizen).exists()
    return (hides, *access_log.head_columns(citizen))


def owned_observation_along(citizen):
    """What the express lane reads with the token's live state, in one statement
    (``ens_core.fhir.access.Along``): the Measurement with the public id ``public_id`` of
    the citizen in the column ``citizen`` — :func:`get_owned`, never another citizen's —
    and :func:`_alongside`. :func:`owned_observation` reads the values."""
    owned = (_M.c.public_id == bindparam("public_id")) & (_M.c.citizen_id == citizen)
    return _M, owned, (*_SELECT_ROWS.selected_columns, *_alongside(citizen))


def owned_observation(values) -> tuple[ObservationRow, access_log.ChainHead | None] | None:
    """The row and the citizen's chain head read by :func:`owned_observation_along`; None
    when the citizen hides a data type (the ORM path and :class:`Visibility` then
    decide)."""
    if values[-3]:
        return None
    return ObservationRow(*values[:-3]), access_log.chain_head(*values[-2:])


def _rows_query(columns, with_code: bool):
    query = columns.where(_M.c.citizen_id == bindparam("citizen"))
    return query.where(_M.c.code == bindparam("code")) if with_code else query


def _page_of_rows(with_code: bool, newest_first: bool) -> Prepared:
    if newest_first:
        order = (_M.c.effective_at.desc(), _M.c.id.desc())
    else:
        order = (_M.c.effective_at, _M.c.id)
    query = _rows_query(_SELECT_ROWS, with_code).order_by(*order)
    return Prepared(query.limit(bindparam("limit")).offset(bindparam("offset")))


# The same rows, in the same order, as search_measurements without dates, kinds or hiding.
_ROW_PAGES = {
    (with_code, newest): _page_of_rows(with_code, newest)
    for with_code in (True, False)
    for newest in (True, False)
}


def _counted_along(with_code: bool):
    """What the express lane reads with the live state for a search (an ``Along`` that
    joins nothing): the number of the citizen's Observations (of the code ``code``),
    and :func:`_alongside` — one statement fewer than counting on its own."""

    def along(citizen):
        where = _M.c.citizen_id == citizen
        if with_code:
            where &= _M.c.code == bindparam("code")
        total = select(func.count()).select_from(_M).where(where).scalar_subquery()
        return None, None, (total, *_alongside(citizen))

    return along


# One function per shape: the express lane builds its statement once per function.
COUNTED_OBSERVATIONS = {with_code: _counted_along(with_code) for with_code in (True, False)}


def plain_observation_page(
    citizen_id: int,
    counted: tuple,
    *,
    code: str | None,
    newest_first: bool,
    offset: int,
    count: int,
) -> tuple[Page, access_log.ChainHead | None] | None:
    """:func:`search_measurements` for one code or none and no date, as rows, for a
    citizen who hides no data type from services, with the citizen's chain head;
    ``counted``: what :data:`COUNTED_OBSERVATIONS` read for the same code. None when the
    citizen hides a data type."""
    total, hides, *head = counted
    if hides:
        return None
    params = {"citizen": citizen_id, "code": code, "limit": count, "offset": offset}
    rows = _ROW_PAGES[code is not None, newest_first].all(params) if count else []
    page = Page([ObservationRow(*row) for row in rows], total, offset, count)
    return page, access_log.chain_head(*head)


# --- writes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    service: object | None = None
    client: object | None = None
    person: object | None = None


def _stamp(obj, source: Source) -> None:
    obj.source_service_id = getattr(source.service, "id", None)
    obj.source_client_id = getattr(source.client, "id", None)
    obj.entered_by_id = getattr(source.person, "id", None)


def add_measurement(citizen, data: dict, source: Source) -> Measurement:
    measure = BY_CODE[data["code"]]
    m = Measurement(
        citizen_id=citizen.id,
        kind=measure.key,
        code=data["code"],
        effective_at=data["effective_at"],
        value=data["value"],
        value2=data.get("value2"),
        unit=data["unit"],
        status=data.get("status", "final"),
        note=data.get("note"),
    )
    _stamp(m, source)
    db.session.add(m)
    db.session.flush()
    return m


def update_measurement(m: Measurement, data: dict) -> Measurement:
    measure = BY_CODE[data["code"]]
    m.kind, m.code = measure.key, data["code"]
    m.effective_at, m.value, m.value2 = data["effective_at"], data["value"], data.get("value2")
    m.unit, m.status, m.note = data["unit"], data.get("status", "final"), data.get("note")
    m.version += 1
    m.updated_at = utcnow()
    db.session.flush()
    return m


def store_binary(citizen, content: bytes, content_type: str) -> Binary:
    binary = Binary(
        citizen_id=citizen.id,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        data=content,
    )
    db.session.add(binary)
    db.session.flush()
    return binary


def add_document(citizen, data: dict, source: Source) -> Document:
    binary = data.get("binary") or store_binary(citizen, data["content"], data["content_type"])
    doc = Document(
        citizen_id=citizen.id,
        type_code=data["type_code"],
        title=data["title"],
        description=data.get("description"),
        date=data["date"],
        status=data.get("status", "current"),
        binary_id=binary.id,
    )
    _stamp(doc, source)
    db.session.add(doc)
    db.session.flush()
    return doc


def add_appointment(citizen, data: dict, source: Source) -> Appointment:
    appt = Appointment(citizen_id=citizen.id)
    _stamp(appt, source)
    _fill_appointment(appt, data)
    db.session.add(appt)
    db.session.flush()
    return appt


def _fill_appointment(appt: Appointment, data: dict) -> None:
    appt.status = data["status"]
    appt.description = data["description"]
    appt.practitioner = data.get("practitioner")
    appt.location = data.get("location")
    appt.start, appt.end = data["start"], data["end"]
    appt.cancelation_reason = data.get("cancelation_reason")


def update_appointment(appt: Appointment, data: dict) -> Appointment:
    _fill_appointment(appt, data)
    appt.version += 1
    appt.updated_at = utcnow()
    db.session.flush()
    return appt


def is_first_write(citizen, service) -> bool:
    """No record of ``citizen`` was written by ``service`` before (checked before a write)."""
    for model in (Measurement, Document, Appointment):
        if db.session.scalar(
            select(model.id)
            .where(model.citizen_id == citizen.id, model.source_service_id == service.id)
            .limit(1)
        ):
            return False
    return True


def notify_first_write(citizen, service) -> None:
    notify(
        citizen,
        "first_write",
        _("%(service)s a écrit dans votre espace santé", service=service.name),
        _("C'est la première fois que ce service ajoute des données à votre espace."),
        url_for("health.history", service=service.id),
        dedupe_key=f"first_write:{service.id}",
    )


# --- measurements for charts -------------------------------------------------------------


def measurement_series(vis: Visibility, kind: str, since: datetime | None = None) -> list:
    since = since or utcnow() - timedelta(days=366)
    query = select(Measurement).where(
        Measurement.citizen_id == vis.citizen.id,
        Measurement.kind == kind,
        Measurement.effective_at >= since,
    )
    query = vis.filter_measurements(query)
    return list(db.session.scalars(query.order_by(Measurement.effective_at)))


def measurement_kinds(vis: Visibility) -> list[str]:
    query = vis.filter_measurements(
        select(Measurement.kind).where(Measurement.citizen_id == vis.citizen.id).distinct()
    )
    present = set(db.session.scalars(query))
    return [key for key in MEASURES if key in present]


# --- abuse reports -----------------------------------------------------------------------


def file_abuse_report(reporter, service, category: AbuseCategory, description: str) -> AbuseReport:
    """Record a citizen's report and send ``abuse_reported`` (surveillance turns it into a
    complaint, in the same transaction)."""
    report = AbuseReport(
        reporter_id=reporter.id,
        service_id=service.id,
        category=category,
        description=description,
        created_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    signals.send(abuse_reported, report=report)
    return report


def list_abuse_reports(status: str | None = None, service_id: int | None = None) -> list:
    """Complaints filed by citizens, newest first (for surveillance triage)."""
    query = select(AbuseReport)
    if status:
        query = query.where(AbuseReport.status == status)
    if service_id:
        query = query.where(AbuseReport.service_id == service_id)
    return list(db.session.scalars(query.order_by(AbuseReport.created_at.desc())))


def reports_of(reporter) -> list[AbuseReport]:
    return list(
        db.session.scalars(
            select(AbuseReport)
            .where(AbuseReport.reporter_id == reporter.id)
            .order_by(AbuseReport.created_at.desc())
        )
    )
