"""The published conformance checks: data (``data/checks-*.yaml``, versioned, FR and EN)
and one pure evaluator per check id over a run's events.

An evaluator takes the run's events in order (objects with ``kind``, ``method``, ``path``,
``query``, ``status``, ``details``, ``at``), the check's ``params`` and the run's context
(:class:`RunFacts`), and answers a :class:`Verdict`: ``pass``, ``fail`` or
``not_exercised`` (the run never did what the check is about), with the event that
satisfied or broke it as evidence.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
CURRENT_VERSION = "2026.1"

PASS, FAIL, NOT_EXERCISED = "pass", "fail", "not_exercised"
WRITE_METHODS = ("POST", "PUT")


@dataclass(frozen=True)
class Check:
    id: str
    area: str
    fr: str
    en: str
    params: dict = field(default_factory=dict)

    def text(self, locale: str) -> str:
        return self.en if locale == "en" else self.fr


@dataclass(frozen=True)
class RunFacts:
    """What the checks need to know about the run besides its events."""

    declared_scopes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    check: Check
    status: str
    evidence: object | None = None


@functools.cache
def load_checks(version: str = CURRENT_VERSION) -> tuple[str, tuple[Check, ...]]:
    """The checks of ``version`` (its YAML file), in their published order."""
    path = DATA / f"checks-{version}.yaml"
    if not path.is_file():
        raise LookupError(f"no conformance checks version {version!r}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    checks = tuple(Check(**item) for item in data["checks"])
    return str(data["version"]), checks


def evaluate(events: Sequence, facts: RunFacts, version: str = CURRENT_VERSION) -> list[Verdict]:
    """Every check of ``version`` over ``events`` (in the order they happened)."""
    _version, checks = load_checks(version)
    return [
        Verdict(check, *EVALUATORS[check.id](list(events), check.params, facts)) for check in checks
    ]


# --- helpers --------------------------------------------------------------------------------


def _of(events, kind: str) -> list:
    return [e for e in events if e.kind == kind]


def _first_failing(events, broken: Callable[[object], bool]) -> tuple[str, object | None]:
    """fail with the first event that breaks the rule, pass with the last one checked,
    not exercised without any."""
    if not events:
        return NOT_EXERCISED, None
    for event in events:
        if broken(event):
            return FAIL, event
    return PASS, events[-1]


def _ends_transaction(event) -> bool:
    """An authorization answer that went back to the client (a code or an error)."""
    return bool(event.details.get("code_issued") or event.details.get("error"))


def _is_data_scope(scope: str) -> bool:
    return "/" in scope and not scope.startswith("launch")


# --- authorization -------------------------------------------------------------------------


def auth_pkce(events, params, facts):
    return _first_failing(_of(events, "authorize"), lambda e: not e.details.get("pkce"))


def auth_state(events, params, facts):
    """Missing, or sent again after the authorization it belonged to was answered (the
    browser coming back from the login page repeats a live state: that is no reuse)."""
    closed: set[str] = set()

    def broken(event) -> bool:
        state = event.details.get("state_fp")
        if not state or state in closed:
            return True
        if _ends_transaction(event):
            closed.add(state)
        return False

    return _first_failing(_of(events, "authorize"), broken)


def auth_redirect(events, params, facts):
    return _first_failing(
        _of(events, "authorize"), lambda e: not e.details.get("redirect_registered")
    )


def auth_scopes(events, params, facts):
    def broken(event) -> bool:
        asked = {s for s in event.details.get("scopes", []) if _is_data_scope(s)}
        return not asked <= facts.declared_scopes

    return _first_failing(_of(events, "authorize"), broken)


def auth_denied(events, params, facts):
    """After an ``access_denied``, at most ``max_retries`` new authorization requests
    until one succeeds."""
    limit = int(params.get("max_retries", 1))
    denied, retries, first = None, 0, None
    for event in _of(events, "authorize"):
        if denied is not None and event.method == "GET":
            retries += 1
            if retries > limit:
                return FAIL, event
        if event.details.get("error") == "access_denied":
            denied, retries, first = event, 0, first or event
        elif event.details.get("code_issued"):
            denied = None
    return (PASS, first) if first is not None else (NOT_EXERCISED, None)


# --- tokens ----------------------------------------------------------------------------------


def tok_refresh_expiry(events, params, facts):
    limit = int(params.get("max_expired_calls", 1))
    expired = [e for e in _of(events, "fhir") if e.details.get("expired")]
    if len(expired) > limit:
        return FAIL, expired[limit]
    refreshes = [e for e in _of(events, "token") if e.details.get("grant_type") == "refresh_token"]
    if not refreshes and not expired:
        return NOT_EXERCISED, None
    return PASS, (refreshes or expired)[0]


def tok_refresh_once(events, params, facts):
    """A refresh token the store already exchanged is never sent again (sending again
    one it refused is TOK-INVALID-GRANT's concern)."""
    used: set[str] = set()

    def broken(event) -> bool:
        fingerprint = event.details.get("refresh_fp")
        if fingerprint in used:
            return True
        if event.status == 200:
            used.add(fingerprint)
        return False

    refreshes = [e for e in _of(events, "token") if e.details.get("refresh_fp")]
    return _first_failing(refreshes, broken)


def tok_invalid_grant(events, params, facts):
    """After ``invalid_grant``, no refresh until a new authorization request."""
    stopped, last = False, None
    for event in events:
        if event.kind == "authorize":
            stopped = False
        elif event.kind == "token":
            if stopped and event.details.get("grant_type") == "refresh_token":
                return FAIL, event
            if event.details.get("error") == "invalid_grant":
                stopped, last = True, event
    return (PASS, last) if last is not None else (NOT_EXERCISED, None)


def tok_no_query(events, params, facts):
    calls = [e for e in events if e.kind in ("token", "fhir")]
    return _first_failing(calls, lambda e: bool(e.details.get("secret_in_query")))


# --- FHIR --------------------------------------------------------------------------------------


def _fhir_writes(events) -> list:
    return [
        e
        for e in _of(events, "fhir")
        if e.method in WRITE_METHODS and not e.path.endswith("/_search")
    ]


def fhir_valid_write(events, params, facts):
    return _first_failing(_fhir_writes(events), lambda e: e.status in (400, 422))


def fhir_if_match(events, params, facts):
    updates = [e for e in _of(events, "fhir") if e.method == "PUT"]
    return _first_failing(updates, lambda e: not e.details.get("if_match"))


def fhir_count(events, params, facts):
    limit = int(params.get("max_count", 100))
    searches = [e for e in _of(events, "fhir") if e.details.get("search")]
    return _first_failing(searches, lambda e: (e.details.get("count") or 0) > limit)


def fhir_retry_after(events, params, facts):
    """The call after a 429/503 comes at least Retry-After seconds later."""
    calls = _of(events, "fhir")
    throttled = [
        (e, calls[i + 1] if i + 1 < len(calls) else None)
        for i, e in enumerate(calls)
        if e.status in (429, 503) and e.details.get("retry_after") is not None
    ]
    if not throttled:
        return NOT_EXERCISED, None
    for answer, following in throttled:
        if following is not None:
            waited = (following.at - answer.at).total_seconds()
            if waited < answer.details["retry_after"]:
                return FAIL, following
    return PASS, throttled[-1][0]


# --- revocation --------------------------------------------------------------------------------


def rev_stop(events, params, facts):
    """After the withdrawal: no successful FHIR call, at most ``max_failing_calls`` failing
    ones, then a new authorization request."""
    limit = int(params.get("max_failing_calls", 2))
    marks = [i for i, e in enumerate(events) if e.kind == "withdrawal"]
    if not marks:
        return NOT_EXERCISED, None
    failing = 0
    for event in events[marks[0] + 1 :]:
        if event.kind == "authorize":
            return PASS, event
        if event.kind != "fhir":
            continue
        if event.status < 400:
            return FAIL, event
        failing += 1
        if failing > limit:
            return FAIL, event
    return FAIL, events[marks[0]]


EVALUATORS: dict[str, Callable] = {
    "AUTH-PKCE": auth_pkce,
    "AUTH-STATE": auth_state,
    "AUTH-REDIRECT": auth_redirect,
    "AUTH-SCOPES": auth_scopes,
    "AUTH-DENIED": auth_denied,
    "TOK-REFRESH-EXPIRY": tok_refresh_expiry,
    "TOK-REFRESH-ONCE": tok_refresh_once,
    "TOK-INVALID-GRANT": tok_invalid_grant,
    "TOK-NO-QUERY": tok_no_query,
    "FHIR-VALID-WRITE": fhir_valid_write,
    "FHIR-IF-MATCH": fhir_if_match,
    "FHIR-COUNT": fhir_count,
    "FHIR-RETRY-AFTER": fhir_retry_after,
    "REV-STOP": rev_stop,
}
