"""Every page a demo user can reach by following links renders (no 5xx, no broken link
into a 404), in French and in English."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ens_core.demo import load_demo

LINK = re.compile(r'href="([^"#]+)"')
SKIP = ("/static/", "/logout", "/opendata/", "/api/", "/oauth/", "/.well-known/", "/fhir")
ACCOUNTS = [
    (None, None),
    ("camille@demo.ens", "camille-demo-2026"),
    ("karim@demo.ens", "karim-demo-2026"),
    ("editeur@demo.ens", "editeur-demo-2026"),
    ("agent@demo.ens", "agent-demo-2026"),
    ("membre1@demo.ens", "membre-demo-2026"),
]


def _crawl(client, start: str, limit: int) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.mimetype != "text/html":
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            url = urlsplit(urljoin(path, href))
            if url.scheme not in ("", "http", "https"):  # mailto:, tel:
                continue
            if url.netloc and url.netloc != "localhost":
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if not target.startswith(SKIP) and target not in seen and "lang=" not in target:
                queue.append(target)
    return seen


def test_every_linked_page_renders_for_each_demo_account(app, app_ctx):
    from tests.helpers import login

    load_demo()  # once: the demo load is the slow part
    for email, password in ACCOUNTS:
        client = app.test_client()
        if email:
            assert login(client, email, password).status_code == 302
        start = "/mon-compte" if email else "/"
        pages = _crawl(client, start, limit=60)
        errors = {path: code for path, code in pages.items() if code >= 500 or code == 404}
        assert not errors, (email, errors)
        assert len(pages) > 5, pages
        english = _crawl(client, start + "?lang=en", limit=15)
        assert not {p: c for p, c in english.items() if c >= 500}, email
