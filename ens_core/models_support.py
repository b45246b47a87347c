"""What the models of every package share.

``LabelledEnum``: a string enum whose members carry their translated label, written
next to them (``YES = "yes", _l("Oui")``) instead of in a dictionary kept in step by hand.
``stored_enum``: how such an enum is stored, by member name in a plain string column (no
database enum type, no check constraint), as every migration since 0001 has it.
``ref``: a foreign-key column, on one line.
``Record``: the base of the tables whose rows are numbered by an integer ``id`` primary
key, the column the migrations' ``create_table`` adds first.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ens_core.db import db


class LabelledEnum(enum.StrEnum):
    """``MEMBER = "value", label``: the value is what the enum compares and serialises
    as; the label (usually a lazy translation) is what people read."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def labels(cls) -> dict:
        """Member → label (still lazy), for templates that look a value's label up."""
        return {member: member._label for member in cls}


def stored_enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length)


def ref(target: str, *, ondelete: str | None = None, **kwargs):
    """A foreign key column to ``target``: a table (its ``id``) or ``table.column``.

    ``ref("users")`` for who did something, ``ref("dossiers", ondelete="CASCADE",
    index=True)`` for a row that belongs to a dossier. The constraint is named by
    ``ens_core.db.NAMING_CONVENTION``, as in the migrations' helper of the same name.
    """
    column = target if "." in target else f"{target}.id"
    return mapped_column(ForeignKey(column, ondelete=ondelete), **kwargs)


class Record(db.Model):
    """A table whose rows are numbered by an integer ``id`` primary key, its first column
    (``sort_order``: before the columns of the table and of its other mixins)."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
