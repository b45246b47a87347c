"""A browser described for people ("Firefox / Linux"), from its User-Agent."""

from __future__ import annotations

from flask_babel import gettext as _


def device_label(user_agent: str) -> str:
    ua = user_agent.lower()
    browser = next(
        (
            name
            for key, name in (
                ("edg", "Edge"),
                ("firefox", "Firefox"),
                ("chrome", "Chrome"),
                ("safari", "Safari"),
            )
            if key in ua
        ),
        _("navigateur inconnu"),
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iOS"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        _("système inconnu"),
    )
    return f"{browser} / {system}"
