"""Replay of hostile input on every POST form a demo user can reach (issue 17): each form
found by following links is sent back with, in turn, each of its fields replaced by a
hostile value — an integer beyond 64 bits, text longer than any column, a NUL
character — the other fields as the page filled them. No answer is a 5xx (on SQLite, and
on PostgreSQL, which enforces column lengths and refuses NUL, when
``ENS_TEST_DATABASE_URL`` is set)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ens_core.demo import load_demo
from tests.helpers import login
from tests.test_crawl import ACCOUNTS, _crawl

HOSTILE = ("99999999999999999999", "x" * 5000, "a\x00b")
SKIP_ACTIONS = ("/logout", "/deconnexion", "/mon-compte/mot-de-passe", "lang=")
MAX_FIELDS = 12


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields with the values the page gave them."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict | None = None
        self._field: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": {}}
        elif self._current is None or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                self._current["fields"].setdefault(attrs["name"], None)
                return
            self._current["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag in ("textarea", "select"):
            self._current["fields"].setdefault(attrs["name"], "")
            self._field = attrs["name"]
        elif tag == "option" and self._field and not self._current["fields"].get(self._field):
            self._current["fields"][self._field] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self._field = None
        elif tag == "form" and self._current is not None:
            self.forms.append((self._current["action"], self._current["fields"]))
            self._current = None


def _endpoint(client, url: str) -> str:
    """One form per view: the view a POST to ``url`` reaches (or the URL)."""
    adapter = client.application.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(url).path, method="POST")[0]
    except Exception:
        return url


def _forms_of(client, pages, views: set[str]) -> dict[str, dict[str, str]]:
    """The forms of ``pages`` whose view is not in ``views`` yet (added)."""
    found: dict[str, dict[str, str]] = {}
    for path in pages:
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms:
            target = urlsplit(urljoin(path, action or path))
            url = target.path + (f"?{target.query}" if target.query else "")
            view = _endpoint(client, url)
            if view not in views and not any(skip in url for skip in SKIP_ACTIONS):
                views.add(view)
                found[url] = fields
    return found


def _replay(client, url: str, fields: dict[str, str]) -> tuple[list[tuple], int]:
    failures, sent = [], 0
    defaults = {k: v for k, v in fields.items() if v is not None}
    names = [n for n in fields if n != "csrf_token"][:MAX_FIELDS]
    for name in names:
        for value in HOSTILE:
            sent += 1
            try:
                status = client.post(url, data={**defaults, name: value}).status_code
            except Exception as error:  # in tests an unexpected error is raised, not a 500
                failures.append((url, name, value[:20], repr(error)[:200]))
                continue
            if status >= 500:
                failures.append((url, name, value[:20], status))
    return failures, sent


def test_hostile_values_in_every_post_form_never_get_a_5xx(app, app_ctx):
    load_demo()
    failures, replayed, sent, views = [], 0, 0, set()
    for email, password in ACCOUNTS:
        client = app.test_client()
        if email:
            login(client, email, password)
        pages = _crawl(client, "/mon-compte" if email else "/", limit=60)
        shown = [p for p, code in pages.items() if code == 200]
        for url, fields in _forms_of(client, shown, views).items():
            found = _replay(client, url, fields)
            failures += found[0]
            sent += found[1]
            replayed += 1
    print(f"{replayed} forms, {sent} hostile submissions")
    assert replayed > 15
    assert not failures, failures
