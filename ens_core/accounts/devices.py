"""A browser described for people ("Firefox / Linux"), from its User-Agent."""

from __future__ import annotations

from flask_babel import gettext as _

# (what the User-Agent contains, the name shown), the first that matches wins.
BROWSERS = (("edg", "Edge"), ("firefox", "Firefox"), ("chrome", "Chrome"), ("safari", "Safari"))
SYSTEMS = (
    ("android", "Android"),
    ("iphone", "iOS"),
    ("windows", "Windows"),
    ("mac os", "macOS"),
    ("linux", "Linux"),
)


def _first_named(ua: str, names: tuple[tuple[str, str], ...], unknown: str) -> str:
    return next((name for key, name in names if key in ua), unknown)


def device_label(user_agent: str) -> str:
    ua = user_agent.lower()
    browser = _first_named(ua, BROWSERS, _("navigateur inconnu"))
    system = _first_named(ua, SYSTEMS, _("système inconnu"))
    return f"{browser} / {system}"
