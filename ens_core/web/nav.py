"""Main navigation, contributed by each package so that base.html never needs editing.

The order of the entries is declared once, here, as named slots (:data:`SLOTS`); a
package fills its slot from its ``init_app``:
``register_nav("health", "health.dashboard", label, policy)``. ``policy(user)`` decides
whether the entry shows for the current user (None: everyone). A slot nobody fills is
skipped; an unknown slot name is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

# The menu, left to right: public pages, the citizen's, the editor's, the agents', the
# commission's, then the guardianship desk.
SLOTS = (
    "catalogue",
    "health",
    "editor",
    "editor_dossiers",
    "compliance",
    "agent",
    "commission_secretariat",
    "decisions",
    "sovereignty",
    "surveillance",
    "commission",
    "guardianships",
)


@dataclass(frozen=True)
class NavEntry:
    slot: str
    endpoint: str
    label: object  # a lazy string
    policy: Callable | None = None


_KEY = "ens_nav"


def register_nav(app: Flask, slot: str, endpoint: str, label, policy=None) -> None:
    if slot not in SLOTS:
        raise ValueError(f"unknown navigation slot {slot!r}: declare it in SLOTS")
    app.extensions.setdefault(_KEY, {})[slot] = NavEntry(slot, endpoint, label, policy)


def _visible_entries():
    entries = current_app.extensions.get(_KEY, {})
    items = []
    for slot in SLOTS:
        entry = entries.get(slot)
        if entry is None or (entry.policy is not None and not entry.policy(current_user)):
            continue
        url = url_for(entry.endpoint)
        current = request.path == url or (url != "/" and request.path.startswith(url + "/"))
        items.append({"url": url, "label": entry.label, "current": current})
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_entries"] = _visible_entries
