"""Main navigation, contributed by each package so that base.html never needs editing.

``register_nav(order, endpoint, label, policy=None)``: ``policy(user)`` decides whether
the entry shows for the current user (None: everyone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    order: int
    endpoint: str
    label: object  # a lazy string
    policy: Callable | None = None


_ENTRIES: dict[str, NavEntry] = {}


def register_nav(order: int, endpoint: str, label, policy: Callable | None = None) -> None:
    _ENTRIES[endpoint] = NavEntry(order, endpoint, label, policy)


def _visible_entries():
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if entry.policy is not None and not entry.policy(current_user):
            continue
        url = url_for(entry.endpoint)
        current = request.path == url or (url != "/" and request.path.startswith(url + "/"))
        items.append({"url": url, "label": entry.label, "current": current})
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_entries"] = _visible_entries
