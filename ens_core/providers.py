"""Provider slots: what a lower layer needs from a higher one, declared where it is needed.

The packages are layered ``ens_core < authz < catalogue < review`` and a lower one never
imports a higher one. When a lower package needs an answer only a higher one has (the FHIR
API needs the access context the authorization server builds; the health space needs a
service's public name), it declares a small :class:`typing.Protocol` and a :class:`Slot`
for it next to the code that asks::

    SERVICES = Slot("service directory", ServiceDirectory)   # in ens_core
    SERVICES.get().by_ids(ids)                               # in ens_core, at run time
    SERVICES.provide(app, CatalogueDirectory())              # in catalogue's init_app

The implementation is kept on the app (``app.extensions``), so two apps never share one,
and a slot nobody filled fails loudly instead of answering "nothing".
"""

from __future__ import annotations

from typing import Generic, TypeVar

from flask import Flask, current_app

T = TypeVar("T")
_KEY = "ens_providers"


class Slot(Generic[T]):
    """One declared need; ``protocol`` must be a ``runtime_checkable`` Protocol."""

    def __init__(self, name: str, protocol: type[T]):
        self.name = name
        self.protocol = protocol

    def provide(self, app: Flask, implementation: T) -> None:
        if not isinstance(implementation, self.protocol):
            raise TypeError(f"{implementation!r} does not provide {self.protocol.__name__}")
        app.extensions.setdefault(_KEY, {})[self.name] = implementation

    def get(self) -> T:
        try:
            return current_app.extensions[_KEY][self.name]
        except KeyError:
            raise LookupError(
                f"nothing provides the {self.name} (the package that does is not initialised)"
            ) from None

    def __repr__(self) -> str:
        return f"<Slot {self.name}: {self.protocol.__name__}>"
