"""Every page reads on a phone (issue 15): at 390 CSS px, in French and in English, no word
is broken across lines or wider than its box, and nothing scrolls sideways.

The pages are those of the accessibility audit (``PAGES`` of ``test_accessibility``, with
its seeded data and signed-in tabs), plus the citizen's pages reached from them: the
stop-sharing confirmation, a consent receipt and the page that explains a refused service
(which axe-core audits here too).
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ens_core.accounts.models import Role
from tests.e2e.conftest import run_axe
from tests.e2e.test_accessibility import (  # noqa: F401 (fixtures)
    BLOCKING,
    PAGES,
    catalogue_data,
    tab_of,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
MORE_PAGES = [
    ("stop-sharing", "{stop_sharing_path}", Role.CITIZEN),
    ("receipt", "{receipt_path}", Role.CITIZEN),
]
# The page that explains a refused service (answered 403 before going back to the app).
REFUSED = ("refused-service", "{refused_path}", Role.CITIZEN)

# In the page: every word of letters (a URL, a code or an e-mail address may wrap anywhere)
# must sit on one line and fit in its box; the page must not scroll sideways.
BROKEN_WORDS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`scrolls ${root.scrollWidth - root.clientWidth}px sideways`);
  }
  const word = /^[\\p{L}'’]{3,}$/u;
  const blockOf = (el) => {
    while (el && getComputedStyle(el).display.startsWith('inline')) el = el.parentElement;
    return el;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode() && problems.length < 10) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('script, style, svg, .visually-hidden, code, pre, [hidden]')) continue;
    if (!el.getClientRects().length) continue;  // not displayed
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const text = node.textContent;
    for (const token of text.matchAll(/\\S+/g)) {
      if (/[\\/@_.=\\d]/.test(token[0])) continue;  // URLs, codes, addresses, numbers
      let offset = token.index;
      for (const part of token[0].split(/[-–(),:;«»!?…"\\[\\]]/)) {
        const start = token[0].indexOf(part, offset - token.index) + token.index;
        offset = start + part.length;
        if (!word.test(part)) continue;
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + part.length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        const tops = new Set(rects.map(r => Math.round(r.top)));
        if (tops.size > 1) {
          problems.push(`"${part}" broken across lines in <${el.tagName.toLowerCase()}>`);
          continue;
        }
        const box = blockOf(el);
        const width = range.getBoundingClientRect().width;
        if (box && width > box.clientWidth + 1 && getComputedStyle(box).overflowX !== 'auto') {
          problems.push(`"${part}" (${Math.round(width)}px) wider than its <${box.tagName.toLowerCase()}> (${box.clientWidth}px)`);
        }
      }
    }
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def pages_data(catalogue_data, app):  # noqa: F811 (the imported fixture)
    """The audit's seeded data, with the citizen's grant and receipt to reach the
    confirmation and receipt pages."""
    from authz.models import ConsentReceipt, Grant
    from catalogue.models import Service
    from ens_core.db import db
    from tests.authz.flow import authorize_path, pkce, public_client

    with app.app_context():
        grant = db.session.query(Grant).order_by(Grant.id).first()
        receipt = db.session.query(ConsentReceipt).order_by(ConsentReceipt.id).first()
        suspended = db.session.query(Service).filter_by(slug="nordic-move").one()
        refused_client = public_client(suspended, ceiling="patient/Observation.rs")
        refused_path = authorize_path(refused_client.client_id, "patient/Observation.rs", pkce()[1])
        db.session.commit()
        return {
            **catalogue_data,
            "stop_sharing_path": f"/espace/services/{grant.id}/arreter",
            "receipt_path": f"/oauth/recus/{receipt.public_id}",
            "refused_path": refused_path,
        }


ALL_PAGES = PAGES + MORE_PAGES + [REFUSED]


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("name", "path", "login_as"), ALL_PAGES, ids=[p[0] for p in ALL_PAGES])
def test_every_page_reads_on_a_phone(tab_of, pages_data, name, path, login_as, lang):  # noqa: F811
    path = path.format(**pages_data)
    page = tab_of(login_as)
    page.set_viewport_size(PHONE)
    try:
        separator = "&" if "?" in path else "?"
        response = page.goto(f"{path}{separator}lang={lang}", timeout=30_000)  # a busy machine
        expected = 403 if name == "refused-service" else 200
        assert response.status == expected, f"{path}: HTTP {response.status}"
        assert urlparse(page.url).path == urlparse(path).path, f"{path}: landed on {page.url}"
        problems = page.evaluate(BROKEN_WORDS)
    finally:
        page.set_viewport_size(DESKTOP)
    assert not problems, f"{name} ({lang}) at 390 px: " + "; ".join(problems)


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    ("name", "path", "login_as"), [*MORE_PAGES, REFUSED], ids=[p[0] for p in [*MORE_PAGES, REFUSED]]
)
def test_citizen_pages_have_no_serious_accessibility_violation(
    tab_of,  # noqa: F811
    pages_data,
    name,
    path,
    login_as,
    lang,
):
    """The pages this file adds to the audit's list pass axe-core as well."""
    page = tab_of(login_as)
    path = path.format(**pages_data)
    separator = "&" if "?" in path else "?"
    page.goto(f"{path}{separator}lang={lang}", timeout=30_000)
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, f"{name} ({lang}): " + "; ".join(
        f"{v['id']} [{v['impact']}] {v['help']} at {v['nodes']}" for v in violations
    )
