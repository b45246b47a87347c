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

from sqlalchemy import Integer, case, event, func, literal_column, or_, select, text
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


def _documents(connection, service_ids: list[int] | None) -> list[dict]:
    """Search documents of the given services (all when None), read with Core only."""
    services = Service.__table__
    organisations = Organisation.__table__
    uses = ServiceDataUse.__table__
    query = select(
        services.c.id,
        services.c.name,
        services.c.categories,
        services.c.platforms,
        services.c.audiences,
        services.c.short_description,
        services.c.long_description,
        services.c.short_description_en,
        services.c.long_description_en,
        services.c.status,
        services.c.ecoscore_grade,
        services.c.ecoscore_value,
        services.c.price_model,
        services.c.accessibility_statement_url,
        services.c.referenced_at,
        organisations.c.legal_name,
    ).select_from(services.join(organisations))
    scopes_query = select(uses.c.service_id, uses.c.scope)
    if service_ids is not None:
        query = query.where(services.c.id.in_(service_ids))
        scopes_query = scopes_query.where(uses.c.service_id.in_(service_ids))
    scopes: dict[int, list[str]] = {}
    for service_id, scope in connection.execute(scopes_query):
        scopes.setdefault(service_id, []).append(scope)
    documents = []
    for row in connection.execute(query):
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
            scopes=scopes.get(row.id, []),
        )
        documents.append(
            {
                "service_id": row.id,
                "status": getattr(row.status, "value", row.status),
                "ecoscore_grade": (row.ecoscore_grade or "").upper() or None,
                "ecoscore_value": row.ecoscore_value,
                "price_model": row.price_model,
                "accessible": bool((row.accessibility_statement_url or "").strip()),
                "referenced_at": row.referenced_at,
                **document,
            }
        )
    return documents


def reindex_services(connection, service_ids: list[int] | None = None) -> int:
    """Rewrite the search documents of ``service_ids`` (all when None) on ``connection``
    (Core only, so that it can run inside a flush); returns how many were written."""
    table = ServiceSearchDocument.__table__
    if service_ids is None:
        connection.execute(table.delete())
    else:
        connection.execute(table.delete().where(table.c.service_id.in_(service_ids)))
    documents = _documents(connection, service_ids)
    if documents:
        connection.execute(table.insert(), documents)
    return len(documents)


def reindex_all(session=None) -> int:
    """Rebuild every document (``ens catalogue reindex``); returns the number of services."""
    session = session or db.session
    return reindex_services(session.connection())


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
    reindex_services(session.connection(), sorted(pending))


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
    """(match condition, rank expressions: lower sorts first).

    Ranking: services whose name holds every term come first (PostgreSQL then orders
    them by ``ts_rank`` on the name), then the rest; ties alphabetically. Cheap on both
    backends, whatever the number of matches."""
    doc = ServiceSearchDocument
    if dialect == "postgresql":
        simple = literal_column("'simple'::regconfig")
        # The same expression as the GIN index fts_ix_catalogue_search (migration 0060).
        document = func.to_tsvector(
            simple, doc.name.op("||")(literal_column("' '")).op("||")(doc.body)
        )
        query = func.to_tsquery(simple, " & ".join(f"{t}:*" for t in terms))
        name_vector = func.to_tsvector(simple, doc.name)
        in_name = case((name_vector.op("@@")(query), 0), else_=1)
        return document.op("@@")(query), [in_name, -func.ts_rank(name_vector, query)]
    # SQLite FTS5: every term as a prefix, in any column; the name column alone ranks.
    terms_query = " ".join(f'"{t}"*' for t in terms)
    matching = text(
        "SELECT rowid FROM fts_catalogue_search WHERE fts_catalogue_search MATCH :fts_all"
    ).bindparams(fts_all=terms_query)
    in_name = text(
        "SELECT rowid FROM fts_catalogue_search WHERE fts_catalogue_search MATCH :fts_name"
    ).bindparams(fts_name=f"{{name}} : ({terms_query})")
    condition = doc.service_id.in_(matching.columns(rowid=Integer))
    rank = case((doc.service_id.in_(in_name.columns(rowid=Integer)), 0), else_=1)
    return condition, [rank]


def search_services(criteria: SearchCriteria, *, statuses=PUBLIC_STATUSES) -> SearchPage:
    """One page of the public catalogue matching ``criteria`` (see the module doc)."""
    base = select(ServiceSearchDocument.service_id)
    rank: list = []
    terms = search_terms(criteria.q)
    if terms:
        condition, rank = _keyword_match(terms, db.session.get_bind().dialect.name)
        base = base.where(condition)
    base = base.where(*_filters(criteria, statuses))
    sort = criteria.effective_sort
    page = max(1, criteria.page)
    ids = list(
        db.session.scalars(
            base.order_by(*_order(sort, rank))
            .limit(criteria.per_page)
            .offset((page - 1) * criteria.per_page)
        )
    )
    if page == 1 and len(ids) < criteria.per_page:
        total = len(ids)  # everything is on this page: no need to count
    else:
        total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    return SearchPage(
        items=_listings(ids), total=total, page=page, per_page=criteria.per_page, sort=sort
    )


def _filters(criteria: SearchCriteria, statuses) -> list:
    """The facet and field conditions of the criteria (keywords apart)."""
    doc = ServiceSearchDocument
    conditions = [doc.status.in_([str(s) for s in statuses])]
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
        conditions.append(doc.ecoscore_grade.in_([g.upper() for g in criteria.ecoscore]))
    if criteria.price:
        conditions.append(doc.price_model == criteria.price)
    if criteria.accessible:
        conditions.append(doc.accessible.is_(True))
    return conditions


def _order(sort: str, rank: list) -> list:
    """ORDER BY of a sort, ties broken by name then id (stable pages)."""
    doc = ServiceSearchDocument
    order = {
        "relevance": rank,
        "name": [],
        "recent": [case((doc.referenced_at.is_(None), 1), else_=0), doc.referenced_at.desc()],
        "ecoscore": [
            case((doc.ecoscore_grade.is_(None), 1), else_=0),
            doc.ecoscore_grade,
            doc.ecoscore_value.desc(),
        ],
    }[sort]
    return [*order, doc.name, doc.service_id]


def _listings(ids: list[int]) -> list[Service]:
    """The services of one page, in the page's order, with their organisation."""
    if not ids:
        return []
    by_id = {
        s.id: s
        for s in db.session.scalars(
            select(Service).where(Service.id.in_(ids)).options(selectinload(Service.organisation))
        )
    }
    return [by_id[i] for i in ids if i in by_id]


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
