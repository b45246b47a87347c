"""End-to-end fixtures: Debian's chromium driven by Playwright against ``live_server``.

The browser is the system one (``/usr/bin/chromium``, installed by
``.ci/install-chromium``); Playwright never downloads a browser here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.serving import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-chromium (make test does).")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="module")
def live_server(app):
    """The live server, once per module (overrides the per-test one of ``tests/conftest.py``):
    the data a module seeds is committed once and shared by its pages, and the tables are
    emptied when the module ends. Keeping the name ``live_server`` keeps these tests out of
    the per-test rolled-back transaction."""
    with serving(app) as url:
        yield url


def new_context(browser, base_url):
    # bypass_csp: axe-core is injected by the test, which the page's CSP would refuse.
    context = browser.new_context(base_url=base_url, bypass_csp=True, locale="fr-FR")
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser, live_server)
    page = context.new_page()
    yield page
    context.close()


def run_axe(page) -> list[dict]:
    """axe-core's violations on the current page (WCAG 2.x A/AA rules and best practices).

    axe-core is injected unless the context already loads it on every page
    (``context.add_init_script(path=AXE)``, cheaper when a tab visits many pages)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))
            }));
        }"""
    )
