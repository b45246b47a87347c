"""Building blocks for the migration scripts in ``versions/``.

Each table is written as its columns; the integer ``id`` primary key, the foreign-key,
unique and index constraints are added here under the names ``ens_core.db.NAMING_CONVENTION``
gives them (``pk_<table>``, ``fk_<table>_<column>_<target>``, ``uq_<table>_<columns>``,
``ix_<table>_<column>``), in the order Alembic's autogenerate wrote them, so that the
scripts build the same schema as before, statement for statement.

The scripts are a record of the past: what they import from here must never change
meaning. Add a helper rather than alter one. ``ens db migrate`` still writes plain
``op.*`` calls; a new script may keep them or be rewritten with these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from alembic import op

from ens_core.db import UTCDateTime

_REFERENCES = "references"  # Column.info key: (target "table.column", ondelete)
_INDEX = "index"  # Column.info key: a single-column index named ix_<table>_<column>
_UNIQUE = "unique"  # Column.info key: a single-column unique constraint


def column(
    name: str,
    type_: sa.types.TypeEngine,
    *,
    nullable: bool = False,
    index: bool = False,
    unique: bool = False,
    server_default: str | None = None,
) -> sa.Column:
    """A column, NOT NULL unless said otherwise (as most of the models' columns are)."""
    return sa.Column(
        name,
        type_,
        server_default=server_default,
        nullable=nullable,
        info={_INDEX: index, _UNIQUE: unique},
    )


def timestamp(name: str, *, nullable: bool = False, index: bool = False) -> sa.Column:
    """A timezone-aware UTC datetime column (``ens_core.db.UTCDateTime``)."""
    return column(name, UTCDateTime(timezone=True), nullable=nullable, index=index)


def ref(
    name: str,
    target: str,
    *,
    nullable: bool = False,
    ondelete: str | None = None,
    index: bool = False,
    unique: bool = False,
    type_: sa.types.TypeEngine | None = None,
) -> sa.Column:
    """A column referring to ``target``: a table's integer ``id``, or ``table.column``
    (then give the column's ``type_``)."""
    col = column(name, type_ or sa.Integer(), nullable=nullable, index=index, unique=unique)
    col.info[_REFERENCES] = (target if "." in target else f"{target}.id", ondelete)
    return col


def stored_file() -> tuple[sa.Column, ...]:
    """The columns of an uploaded file kept under a random name (the models'
    ``review.dossiers.models._StoredFile``): its original name, stored name (unique),
    type, size, SHA-256, and when and by whom it was uploaded."""
    return (
        column("original_name", sa.String(200)),
        column("stored_name", sa.String(80), unique=True),
        column("content_type", sa.String(40)),
        column("size", sa.Integer()),
        column("sha256", sa.String(64)),
        timestamp("uploaded_at"),
        ref("uploaded_by_id", "users", nullable=True),
    )


def enum(name: str, *members: str, length: int = 20) -> sa.Enum:
    """The models' enums: member names stored as strings, no database type or check."""
    return sa.Enum(*members, name=name, native_enum=False, length=length)


def _foreign_key(table: str, col: sa.Column) -> sa.ForeignKeyConstraint:
    target, ondelete = col.info[_REFERENCES]
    return sa.ForeignKeyConstraint(
        [col.name],
        [target],
        name=op.f(f"fk_{table}_{col.name}_{target.split('.')[0]}"),
        ondelete=ondelete,
    )


def _unique(table: str, names: Iterable[str]) -> sa.UniqueConstraint:
    names = list(names)
    return sa.UniqueConstraint(*names, name=op.f(f"uq_{table}_{'_'.join(names)}"))


def _indexes(table: str, columns: Iterable[sa.Column], named: Mapping[str, list[str]]):
    indexes = {f"ix_{table}_{c.name}": [c.name] for c in columns if c.info.get(_INDEX)}
    indexes.update(named)
    return sorted(indexes.items())


def create_table(
    name: str,
    *columns: sa.Column,
    primary_key: str = "id",
    unique: Iterable[Iterable[str]] = (),
    indexes: Mapping[str, list[str]] | None = None,
) -> None:
    """Create ``name`` with an integer ``id`` primary key first (unless ``primary_key``
    names another column), its foreign keys, unique constraints (``unique`` lists the
    multi-column ones) and indexes (``indexes`` maps the names of multi-column ones to
    their columns)."""
    columns = list(columns)
    if primary_key == "id":
        columns.insert(0, sa.Column("id", sa.Integer(), nullable=False))
    references = sorted((c for c in columns if _REFERENCES in c.info), key=lambda c: c.name)
    uniques = [[c.name] for c in columns if c.info.get(_UNIQUE)] + [list(u) for u in unique]
    op.create_table(
        name,
        *columns,
        *(_foreign_key(name, c) for c in references),
        sa.PrimaryKeyConstraint(primary_key, name=op.f(f"pk_{name}")),
        *sorted((_unique(name, u) for u in uniques), key=lambda u: u.name),
    )
    for index_name, index_columns in _indexes(name, columns, indexes or {}):
        op.create_index(op.f(index_name), name, index_columns, unique=False)


def drop_tables(*names: str) -> None:
    """Drop the tables in the order given (their indexes go with them)."""
    for name in names:
        op.drop_table(name)


def add_columns(table: str, *columns: sa.Column) -> None:
    """Add columns to an existing table (a batch operation, for SQLite), then their
    indexes and foreign keys."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for col in columns:
            batch_op.add_column(col)
        for index_name, index_columns in _indexes(table, columns, {}):
            batch_op.create_index(batch_op.f(index_name), index_columns, unique=False)
        for col in columns:
            if _REFERENCES in col.info:
                fk = _foreign_key(table, col)
                target_table, target_column = col.info[_REFERENCES][0].split(".")
                batch_op.create_foreign_key(
                    fk.name, target_table, [col.name], [target_column], ondelete=fk.ondelete
                )


def drop_columns(
    table: str, *names: str, indexes: Iterable[str] = (), foreign_keys: Iterable[str] = ()
) -> None:
    """Drop columns from ``table`` (a batch operation, for SQLite), after the named
    foreign keys and indexes that use them."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for fk_name in foreign_keys:
            batch_op.drop_constraint(batch_op.f(fk_name), type_="foreignkey")
        for index_name in indexes:
            batch_op.drop_index(batch_op.f(index_name))
        for name in names:
            batch_op.drop_column(name)
