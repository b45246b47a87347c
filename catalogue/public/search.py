"""Search over the public catalogue: one interface, two full-text backends.

``search_services(criteria)`` is the only entry point the views and the API use. It
filters on the listing (status, écoscore grade, price, accessibility statement) and on
facet tokens of the search document (categories, platforms, audiences, data read and
written), matches keywords with SQLite FTS5 or PostgreSQL full-text search, ranks
(name before the rest), sorts and paginates.

The search documents are kept up to date here: mapper events note which services
changed in a flush, and ``after_flush`` rewrites their documents on the same connection,
inside the same transaction.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, and_, case, event, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, object_session, selectinload

from catalogue.models import (
    Organisation,
    Service,
    ServiceDataUse,
    ServiceStatus,
)
from catalogue.public.models import ServiceSearchDocument
from catalogue.public.vocabulary import scope_access
from ens_core.db import db

PUBLIC_STATUSES = (ServiceStatus.REFERENCED, ServiceStatus.SUSPENDED)
SORTS = ("relevance", "name", "recent", "ecoscore")
MAX_TERMS = 8

# Category words searched in both languages (the French labels plus their English).
CATEGORY_WORDS = {
    "prevention": "Prévention prevention",
    "chronic_disease": "Suivi de maladie chronique chronic disease monitoring",
    "mental_health": "Santé mentale mental health",
    "maternity": "Maternité et parentalité maternity parenting",
    "nutrition_activity": "Nutrition et activité physique nutrition physical activity",
    "medication": "Médicaments medication medicines",
    "telemedicine": "Télémédecine telemedicine",
    "health_admin": "Démarches de santé health formalities",
    "disability_autonomy": "Handicap et autonomie disability autonomy",
}


def normalise(value: str | None) -> str:
    """Lower-case, without accents or punctuation: "Santé-Connect" -> "sante connect"."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def search_terms(query: str | None) -> list[str]:
    return normalise(query).split()[:MAX_TERMS]


# --- the index -----------------------------------------------------------------------


def build_document(
    *,
    name: str,
    editor: str,
    categories: list[str] | None,
    platforms: list[str] | None,
    audiences: list[str] | None,
    descriptions: list[str | None],
    scopes: list[str],
) -> dict:
    """The search document of one service, as stored (pure function: the migration's
    backfill and the live index use it alike)."""
    categories = list(categories or [])
    body = " ".join(
        [editor, *(CATEGORY_WORDS.get(c, c) for c in categories), *(d or "" for d in descriptions)]
    )
    tokens = [f"cat:{c}" for c in categories]
    tokens += [f"plat:{p}" for p in platforms or []]
    tokens += [f"aud:{a}" for a in audiences or []]
    for scope in scopes:
        access = scope_access(scope)
        if access is None:
            continue
        if access.reads:
            tokens.append(f"read:{access.resource}")
        if access.writes:
            tokens.append(f"write:{access.resource}")
    facets = " " + " ".join(sorted({t.lower() for t in tokens})) + " "
    return {"name": normalise(name), "body": normalise(body), "facets": facets}


def reindex_service(connection, service_id: int) -> None:
    """Rewrite one service's search document on ``connection`` (Core only, so that it can
    run inside a flush)."""
    services = Service.__table__
    organisations = Organisation.__table__
    row = connection.execute(
        select(
            services.c.name,
            services.c.categories,
            services.c.platforms,
            services.c.audiences,
            services.c.short_description,
            services.c.long_description,
            services.c.short_description_en,
            services.c.long_description_en,
            organisations.c.legal_name,
        )
        .select_from(services.join(organisations))
        .where(services.c.id == service_id)
    ).first()
    documents = ServiceSearchDocument.__table__
    connection.execute(documents.delete().where(documents.c.service_id == service_id))
    if row is None:
        return
    uses = ServiceDataUse.__table__
    scopes = list(connection.scalars(select(uses.c.scope).where(uses.c.service_id == service_id)))
    document = build_document(
        name=row.name,
        editor=row.legal_name,
        categories=row.categories,
        platforms=row.platforms,
        audiences=row.audiences,
        descriptions=[
            row.short_description,
            row.long_description,
            row.short_description_en,
            row.long_description_en,
        ],
        scopes=scopes,
    )
    connection.execute(documents.insert().values(service_id=service_id, **document))


def reindex_all(session=None) -> int:
    """Rebuild every document (``ens catalogue reindex``); returns the number of services."""
    session = session or db.session
    connection = session.connection()
    ids = list(connection.scalars(select(Service.__table__.c.id)))
    for service_id in ids:
        reindex_service(connection, service_id)
    return len(ids)


_PENDING = "catalogue_search_pending"


def _note(target, service_id: int | None) -> None:
    session = object_session(target)
    if session is not None and service_id is not None:
        session.info.setdefault(_PENDING, set()).add(service_id)


@event.listens_for(Service, "after_insert")
@event.listens_for(Service, "after_update")
def _service_changed(mapper, connection, target) -> None:
    _note(target, target.id)


@event.listens_for(ServiceDataUse, "after_insert")
@event.listens_for(ServiceDataUse, "after_update")
@event.listens_for(ServiceDataUse, "after_delete")
def _data_use_changed(mapper, connection, target) -> None:
    _note(target, target.service_id)


@event.listens_for(Organisation, "after_update")
def _organisation_changed(mapper, connection, target) -> None:
    session = object_session(target)
    if session is None:
        return
    ids = connection.scalars(
        select(Service.__table__.c.id).where(Service.__table__.c.organisation_id == target.id)
    )
    session.info.setdefault(_PENDING, set()).update(ids)


@event.listens_for(Session, "after_flush")
def _reindex_after_flush(session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    for service_id in sorted(pending):
        reindex_service(connection, service_id)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)


# --- searching -----------------------------------------------------------------------


@dataclass
class SearchCriteria:
    q: str = ""
    category: str | None = None
    reads: str | None = None
    writes: str | None = None
    ecoscore: list[str] = field(default_factory=list)
    platform: str | None = None
    price: str | None = None
    audience: str | None = None
    accessible: bool = False
    sort: str | None = None
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> str:
        if self.sort in SORTS and not (self.sort == "relevance" and not search_terms(self.q)):
            return self.sort
        return "relevance" if search_terms(self.q) else "name"


@dataclass
class SearchPage:
    items: list[Service]
    total: int
    page: int
    per_page: int
    sort: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _facet(token: str):
    return ServiceSearchDocument.facets.like(f"% {token.lower()} %")


def _keyword_match(terms: list[str], dialect: str):
    """(join target, join condition, rank expression: lower is better) for the terms."""
    if dialect == "postgresql":
        vector = func.setweight(
            func.to_tsvector(literal_column("'simple'::regconfig"), ServiceSearchDocument.name),
            literal_column("'A'"),
        ).op("||")(
            func.setweight(
                func.to_tsvector(literal_column("'simple'::regconfig"), ServiceSearchDocument.body),
                literal_column("'D'"),
            )
        )
        query = func.to_tsquery(
            literal_column("'simple'::regconfig"), " & ".join(f"{t}:*" for t in terms)
        )
        return None, vector.op("@@")(query), -func.ts_rank(vector, query)
    match = " ".join(f'"{t}"*' for t in terms)
    fts = (
        text(
            "SELECT rowid AS service_id, bm25(fts_catalogue_search, 10.0, 1.0) AS score "
            "FROM fts_catalogue_search WHERE fts_catalogue_search MATCH :match"
        )
        .bindparams(match=match)
        .columns(service_id=Integer, score=Float)
        .subquery("fts")
    )
    return fts, fts.c.service_id == Service.id, fts.c.score


def search_services(criteria: SearchCriteria, *, statuses=PUBLIC_STATUSES) -> SearchPage:
    """One page of the public catalogue matching ``criteria`` (see the module doc)."""
    dialect = db.session.get_bind().dialect.name
    conditions = [Service.status.in_(statuses)]
    if criteria.category:
        conditions.append(_facet(f"cat:{criteria.category}"))
    if criteria.platform:
        conditions.append(_facet(f"plat:{criteria.platform}"))
    if criteria.audience:
        conditions.append(_facet(f"aud:{criteria.audience}"))
    if criteria.reads:
        conditions.append(or_(_facet(f"read:{criteria.reads}"), _facet("read:*")))
    if criteria.writes:
        conditions.append(or_(_facet(f"write:{criteria.writes}"), _facet("write:*")))
    if criteria.ecoscore:
        conditions.append(Service.ecoscore_grade.in_([g.upper() for g in criteria.ecoscore]))
    if criteria.price:
        conditions.append(Service.price_model == criteria.price)
    if criteria.accessible:
        conditions.append(
            and_(
                Service.accessibility_statement_url.is_not(None),
                Service.accessibility_statement_url != "",
            )
        )

    base = select(Service.id).join(
        ServiceSearchDocument, ServiceSearchDocument.service_id == Service.id
    )
    rank = None
    terms = search_terms(criteria.q)
    if terms:
        target, condition, rank = _keyword_match(terms, dialect)
        base = base.join(target, condition) if target is not None else base.where(condition)
    base = base.where(*conditions)

    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    sort = criteria.effective_sort
    grade_missing = case((Service.ecoscore_grade.is_(None), 1), else_=0)
    decided_missing = case((Service.referenced_at.is_(None), 1), else_=0)
    order = {
        "relevance": [rank] if rank is not None else [],
        "name": [],
        "recent": [decided_missing, Service.referenced_at.desc()],
        "ecoscore": [grade_missing, Service.ecoscore_grade, Service.ecoscore_value.desc()],
    }[sort]
    order += [ServiceSearchDocument.name, Service.id]
    page = max(1, criteria.page)
    ids = list(
        db.session.scalars(
            base.order_by(*order).limit(criteria.per_page).offset((page - 1) * criteria.per_page)
        )
    )
    items = []
    if ids:
        by_id = {
            s.id: s
            for s in db.session.scalars(
                select(Service)
                .where(Service.id.in_(ids))
                .options(selectinload(Service.organisation))
            )
        }
        items = [by_id[i] for i in ids]
    return SearchPage(items=items, total=total, page=page, per_page=criteria.per_page, sort=sort)


def recently_referenced(limit: int = 6) -> list[Service]:
    """The services referenced most recently and still listed (the home page shows them)."""
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.status == ServiceStatus.REFERENCED, Service.referenced_at.is_not(None))
            .order_by(Service.referenced_at.desc(), Service.id.desc())
            .limit(limit)
            .options(selectinload(Service.organisation))
        )
    )
