"""A scripted sandbox app that does everything right, and variants that break one rule each.

It drives the store through Flask's test client (``http``, logged in as a synthetic test
citizen, doubles as the citizen's browser for the consent screen). ``breaks`` names the one
rule a variant breaks (see :data:`VARIANTS`); None is the reference app.

The scenario: a first authorization the citizen refuses, a second one granted (code +
PKCE exchange), FHIR calls (search, create, read, update with If-Match; one of them is
answered 429 by the run and retried after Retry-After), a refresh, then — after the store
withdraws the consent (``withdraw``) — one failing call, a refresh answered
``invalid_grant``, and a new authorization request.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from authz.conformance import services as conformance
from authz.models import Grant, Token
from authz.tokens import issue_tokens
from ens_core.db import db, utcnow
from tests.authz.flow import REDIRECT, authorize_path, exchange, pkce, query_of, refresh
from tests.ens_core.fhir.conftest import observation
from tests.helpers import _CSRF

SCOPE = "launch/patient patient/Observation.rs patient/Observation.cu offline_access"
DECLARED = ["patient/Observation.cu", "patient/Observation.rs"]
FHIR_JSON = "application/fhir+json"

# variant -> the one check it must fail
VARIANTS = {
    "no-pkce": "AUTH-PKCE",
    "reused-state": "AUTH-STATE",
    "wrong-redirect": "AUTH-REDIRECT",
    "undeclared-scope": "AUTH-SCOPES",
    "denied-loop": "AUTH-DENIED",
    "expired-hammer": "TOK-REFRESH-EXPIRY",
    "refresh-reuse": "TOK-REFRESH-ONCE",
    "retry-invalid-grant": "TOK-INVALID-GRANT",
    "token-in-query": "TOK-NO-QUERY",
    "invalid-write": "FHIR-VALID-WRITE",
    "no-if-match": "FHIR-IF-MATCH",
    "count-too-high": "FHIR-COUNT",
    "ignores-retry-after": "FHIR-RETRY-AFTER",
    "calls-after-withdrawal": "REV-STOP",
}


@dataclass
class ReferenceApp:
    http: object  # the test client, logged in as the test citizen
    client: object  # the sandbox client (public, PKCE)
    breaks: str | None = None
    access_token: str = ""
    refresh_tokens: list[str] = field(default_factory=list)
    patient: str = ""

    # --- the whole scenario ----------------------------------------------------------------

    def run(self, withdraw) -> None:
        self._bad_first_attempts()
        denied_state = self.refused_authorization()
        self.authorize(state=denied_state if self.breaks == "reused-state" else None)
        self.use_fhir()
        self.refresh_token()
        withdraw()
        self.after_withdrawal()
        if self.breaks == "refresh-reuse":
            refresh(self.http, self.client, self.refresh_tokens[0])

    # --- authorization -------------------------------------------------------------------------

    def _path(self, *, state=None, scope=SCOPE, redirect=REDIRECT, challenge=True):
        verifier, code_challenge = pkce()
        extra = {} if challenge else {"code_challenge": None, "code_challenge_method": None}
        path = authorize_path(
            self.client.client_id,
            scope,
            code_challenge,
            redirect=redirect,
            state=state or secrets.token_urlsafe(12),
            **extra,
        )
        return path, verifier

    def _consent(self, path: str, decision: str = "allow"):
        """The citizen's browser: the consent screen once, then the answer (every box)."""
        page = self.http.get(path)
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        html = page.get_data(as_text=True)
        form = {
            "csrf_token": _CSRF.search(html).group(1),
            "decision": decision,
            "scopes": re.findall(r'name="scopes" value="([^"]+)"', html),
        }
        return self.http.post(path, data=form)

    def _bad_first_attempts(self) -> None:
        if self.breaks == "no-pkce":
            path, _verifier = self._path(challenge=False)
            assert self.http.get(path).status_code == 302
        if self.breaks == "wrong-redirect":
            path, _verifier = self._path(redirect="http://127.0.0.1:9999/elsewhere")
            assert self.http.get(path).status_code == 400

    def refused_authorization(self) -> str:
        state = secrets.token_urlsafe(12)
        path, _verifier = self._path(state=state)
        answer = self._consent(path, decision="deny")
        assert query_of(answer)["error"] == "access_denied"
        if self.breaks == "denied-loop":  # asks again and again without the citizen
            for _ in range(2):
                assert self.http.get(self._path()[0]).status_code == 200
        return state

    def authorize(self, *, state=None) -> None:
        scope = SCOPE + (" patient/Appointment.rs" if self.breaks == "undeclared-scope" else "")
        path, verifier = self._path(state=state, scope=scope)
        answer = self._consent(path)
        code = query_of(answer)["code"]
        tokens = exchange(self.http, self.client, code, verifier).get_json()
        self.access_token = tokens["access_token"]
        self.refresh_tokens.append(tokens["refresh_token"])
        self.patient = tokens["patient"]

    def refresh_token(self) -> None:
        if self.breaks == "expired-hammer":
            expired = self._expired_token()
            for _ in range(2):
                assert self._fhir("get", "/fhir/Observation", token=expired).status_code == 401
        answer = refresh(self.http, self.client, self.refresh_tokens[-1])
        assert answer.status_code == 200, answer.get_json()
        tokens = answer.get_json()
        self.access_token = tokens["access_token"]
        self.refresh_tokens.append(tokens["refresh_token"])

    def _expired_token(self) -> str:
        """The access token the app would still hold an hour later (time simulated)."""
        record = db.session.scalars(
            select(Token).where(Token.client_id == self.client.id).order_by(Token.id.desc())
        ).first()
        grant = db.session.get(Grant, record.grant_id)
        past = utcnow() - timedelta(hours=1)
        return issue_tokens(grant, self.client, record.scope, now=past).access_token

    # --- FHIR ------------------------------------------------------------------------------------

    def _fhir(self, method: str, url: str, *, token=None, body=None, headers=None):
        all_headers = {"Authorization": f"Bearer {token or self.access_token}", **(headers or {})}
        send = getattr(self.http, method)
        kwargs = {"headers": all_headers}
        if body is not None:
            kwargs.update(json=body, content_type=FHIR_JSON)
        answer = send(url, **kwargs)
        if answer.status_code == 429:  # the sandbox's throttling
            if self.breaks != "ignores-retry-after":
                time.sleep(int(answer.headers["Retry-After"]) + 0.05)
            answer = send(url, **kwargs)
        return answer

    def use_fhir(self) -> None:
        count = 500 if self.breaks == "count-too-high" else 10
        assert self._fhir("get", f"/fhir/Observation?_count={count}").status_code == 200
        if self.breaks == "token-in-query":
            url = f"/fhir/Observation?access_token={self.access_token}"
            assert self.http.get(url).status_code == 401
        if self.breaks == "invalid-write":
            bad = observation(self.patient, unit="cm")
            assert self._fhir("post", "/fhir/Observation", body=bad).status_code in (400, 422)
        created = self._fhir("post", "/fhir/Observation", body=observation(self.patient))
        assert created.status_code == 201, created.get_json()
        resource = created.get_json()
        read = self._fhir("get", f"/fhir/Observation/{resource['id']}")
        assert read.status_code == 200
        resource["valueQuantity"]["value"] = 73.0
        headers = {} if self.breaks == "no-if-match" else {"If-Match": read.headers["ETag"]}
        url = f"/fhir/Observation/{resource['id']}"
        updated = self._fhir("put", url, body=resource, headers=headers)
        assert updated.status_code == 200, updated.get_json()

    # --- after the consent is withdrawn ----------------------------------------------------------

    def after_withdrawal(self) -> None:
        calls = 4 if self.breaks == "calls-after-withdrawal" else 1
        for _ in range(calls):
            assert self._fhir("get", "/fhir/Observation").status_code == 401
        answer = refresh(self.http, self.client, self.refresh_tokens[-1])
        assert answer.get_json()["error"] == "invalid_grant"
        if self.breaks == "retry-invalid-grant":
            refresh(self.http, self.client, self.refresh_tokens[-1])
        # Ask the citizen again.
        assert self.http.get(self._path()[0]).status_code == 200


def drive_run(http, client, editor, breaks=None):
    """Open a run for ``client``, let the app (reference or variant) use the sandbox with
    the consent withdrawn mid-run, stop; returns the run and its verdicts by check id."""
    run = conformance.start_run(editor, client, declared_scopes=DECLARED)
    app = ReferenceApp(http, client, breaks=breaks)
    app.run(withdraw=lambda: conformance.withdraw_test_consent(editor, run))
    verdicts = conformance.stop_run(editor, run)
    return run, {v.check.id: v for v in verdicts}
