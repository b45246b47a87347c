"""Small helpers for tests that drive the HTML interface like a browser would."""

from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, *, form_url: str | None = None, **kwargs):
    """POST ``data`` to ``url`` with the CSRF token of the page at ``form_url`` (default url)."""
    payload = {"csrf_token": csrf_token(client, form_url or url), **data}
    return client.post(url, data=payload, **kwargs)


def submit_action(client, page: str, action: str, data: dict | None = None, **kwargs):
    """POST ``data`` to ``page/action``, a form of the page ``page`` (with its CSRF token)."""
    return submit(client, f"{page}/{action}", data or {}, form_url=page, **kwargs)


def refused(client, url: str, data: dict, **kwargs) -> str:
    """``submit`` a form that must be refused (400); returns the page that says why."""
    response = submit(client, url, data, **kwargs)
    assert response.status_code == 400
    return response.get_data(as_text=True)


def login(client, email: str, password: str):
    return submit(client, "/login", {"email": email, "password": password})


def signed_in(app, email: str, password: str):
    """A new test client of ``app``, signed in as ``email`` (the sign-in redirects: 302)."""
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def visible_text(html: str) -> str:
    """What a person reads on a page: no tags, no scripts or styles, one space between
    words (entities decoded)."""
    import html as html_lib

    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(" .", ".")


def local_date_fr(value) -> str:
    """A moment as the French pages write a date ("2 mars 2026", Paris time)."""
    from babel.dates import format_datetime, get_timezone

    return format_datetime(value, "d MMMM yyyy", tzinfo=get_timezone("Europe/Paris"), locale="fr")


def property_settings(max_examples: int):
    """Hypothesis settings of the property-based checks: a bounded number of examples, the
    same ones every run (a failure is reproducible), no example database."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
