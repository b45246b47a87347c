"""Recording what a sandbox client does during an open conformance run.

Cheap for everyone else: the authorization server notes the client it looked up
(:func:`note_client`, a tuple on ``g``), and a production client stops there. Only a
sandbox client costs one indexed query ("is a run open for it?"), then one event row.
The row is written with ``record_even_if_refused``: a refused request (an OAuth error, a
401 after the consent was withdrawn) is exactly what the checks need to see.

Secrets never reach the row: tokens, codes, verifiers, client secrets and assertions are
replaced by ``[masqué]``; the ``state`` and a refresh token are kept as a fingerprint only,
enough to recognise a reuse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import Response, g, request
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import func, select, update

from authz import keys
from authz.conformance.models import ConformanceEvent, ConformanceRun
from authz.models import ClientKind
from authz.services import get_client
from ens_core.boundary import record_even_if_refused
from ens_core.db import db, utcnow
from ens_core.fhir.errors import FhirError, error_response

REDACTED = "[masqué]"
SECRET_PARAMS = frozenset(
    {
        "code",
        "code_verifier",
        "access_token",
        "refresh_token",
        "token",
        "client_secret",
        "client_assertion",
        "id_token_hint",
        "state",
        "csrf_token",
        "password",
    }
)
# The sandbox answers one FHIR read per run with 429 to see whether the app waits.
THROTTLE_RETRY_AFTER = 1
_SEEN = "ens_conformance_client"


@dataclass(frozen=True)
class SeenClient:
    pk: int
    kind: ClientKind
    redirect_uris: tuple[str, ...]


def note_client(record) -> None:
    """Called by the authorization server when it looks a client up (no query added)."""
    g.setdefault(_SEEN, SeenClient(record.id, record.kind, tuple(record.redirect_uris or ())))


def fingerprint(value: str | None) -> str | None:
    if not value:
        return None
    return hashlib.sha256(b"ens-conformance:" + value.encode()).hexdigest()[:16]


def redacted(params) -> dict:
    """Query or form parameters with every secret replaced."""
    out = {}
    for key in params:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        out[key] = REDACTED if key in SECRET_PARAMS else " ".join(str(v) for v in values)[:500]
    return out


def open_run(client_pk: int, kind) -> ConformanceRun | None:
    """The open run of a sandbox client (one indexed query); None for any other client."""
    if kind is not ClientKind.SANDBOX:
        return None
    now = utcnow()
    return db.session.scalar(
        select(ConformanceRun)
        .where(
            ConformanceRun.client_id == client_pk,
            ConformanceRun.stopped_at.is_(None),
            ConformanceRun.ends_at > now,
        )
        .limit(1)
    )


def _record(run_id: int, kind: str, status: int, query: dict, details: dict, *, throttle=False):
    at = utcnow()
    method, path = request.method, request.path[:300]

    def write() -> None:
        db.session.add(
            ConformanceEvent(
                run_id=run_id,
                at=at,
                kind=kind,
                method=method,
                path=path,
                query=query,
                status=status,
                details=details,
            )
        )
        if throttle:
            db.session.execute(
                update(ConformanceRun).where(ConformanceRun.id == run_id).values(throttled_at=at)
            )
        db.session.flush()

    record_even_if_refused(write)


def _secret_in_query() -> bool:
    return any(key in SECRET_PARAMS - {"state"} for key in request.args)


# --- the authorization and token endpoints ---------------------------------------------------


def observe_oauth(response: Response) -> Response:
    """Record an answer of the authorize or token endpoint for a sandbox client's run."""
    seen = g.get(_SEEN)
    if seen is None:
        return response
    run = open_run(seen.pk, seen.kind)
    if run is None:
        return response
    if request.endpoint == "authz.authorize":
        kind, details = "authorize", _authorize_details(response, seen)
        query = redacted(request.args)
    else:
        kind, details = "token", _token_details(response)
        query = {**redacted(request.args), **redacted(request.form)}
    _record(run.id, kind, response.status_code, query, details)
    return response


def _authorize_details(response: Response, seen: SeenClient) -> dict:
    args = request.args
    redirect_uri = args.get("redirect_uri")
    details = {
        "pkce": bool(args.get("code_challenge")) and args.get("code_challenge_method") == "S256",
        "state_fp": fingerprint(args.get("state")),
        "redirect_uri": redirect_uri,
        "redirect_registered": redirect_uri in seen.redirect_uris,
        "scopes": (args.get("scope") or "").split(),
        "decision": request.form.get("decision") if request.method == "POST" else None,
        "code_issued": False,
        "error": None,
    }
    location = response.headers.get("Location") or ""
    if redirect_uri and location.startswith(redirect_uri):
        answer = parse_qs(urlsplit(location).query)
        details["code_issued"] = "code" in answer
        details["error"] = (answer.get("error") or [None])[0]
    elif response.status_code >= 400:
        details["error"] = "invalid_request"
    return details


def _token_details(response: Response) -> dict:
    body = response.get_json(silent=True) or {}
    grant_type = request.form.get("grant_type")
    return {
        "grant_type": grant_type,
        "error": body.get("error"),
        "refresh_fp": fingerprint(request.form.get("refresh_token"))
        if grant_type == "refresh_token"
        else None,
        "secret_in_query": _secret_in_query(),
    }


# --- the FHIR API ----------------------------------------------------------------------------


class FhirCallRecorder:
    """What authz provides to the FHIR API (``ens_core.fhir.access.CALLS``)."""

    def observe(self, response: Response, context) -> Response:
        if context is not None:
            client, expired = context.client, False
        else:
            client, expired = _refused_client()
            if client is None:
                return response
        run = open_run(client.id, client.kind)
        if run is None:
            return response
        throttle = _should_throttle(run, response)
        if throttle:
            response = error_response(
                FhirError(
                    429,
                    "Sandbox conformance run: slow down and retry after the delay.",
                    code="throttled",
                    headers={"Retry-After": str(THROTTLE_RETRY_AFTER)},
                )
            )
        _record(
            run.id,
            "fhir",
            response.status_code,
            redacted(request.args),
            _fhir_details(response, expired),
            throttle=throttle,
        )
        return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization") or ""
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.args.get("access_token")


def _refused_client():
    """The client of a refused call's token (a valid signature is required), and whether
    the token had expired. (None, False) when it says nothing."""
    token = _bearer()
    if not token:
        return None, False
    try:
        decoded = jwt.decode(
            token, keys.verification_keys(keys.ACCESS_TOKEN_ALG), algorithms=[keys.ACCESS_TOKEN_ALG]
        )
    except (JoseError, ValueError):
        return None, False
    client = get_client(str(decoded.claims.get("client_id", "")))
    expired = int(decoded.claims.get("exp", 0)) <= int(utcnow().timestamp())
    return client, expired


def _should_throttle(run: ConformanceRun, response: Response) -> bool:
    """The second successful FHIR read (GET) of the run, once."""
    if run.throttled_at is not None or request.method != "GET" or response.status_code != 200:
        return False
    earlier = db.session.scalar(
        select(func.count(ConformanceEvent.id)).where(
            ConformanceEvent.run_id == run.id,
            ConformanceEvent.kind == "fhir",
            ConformanceEvent.method == "GET",
            ConformanceEvent.status == 200,
        )
    )
    return bool(earlier)


def _fhir_details(response: Response, expired: bool) -> dict:
    args = request.args
    search = request.method == "GET" and (request.view_args or {}).get("resource_id") is None
    search = search or request.path.endswith("/_search")
    count = args.get("_count") or request.form.get("_count") if search else None
    details = {
        "search": search and "Patient" not in request.path and "Binary" not in request.path,
        "count": int(count) if count and count.isdigit() else None,
        "if_match": bool(request.headers.get("If-Match")),
        "expired": expired,
        "secret_in_query": _secret_in_query(),
        "retry_after": None,
    }
    if response.status_code in (429, 503):
        value = response.headers.get("Retry-After", "")
        details["retry_after"] = int(value) if value.isdigit() else None
    if response.status_code in (400, 422):
        body = response.get_json(silent=True) or {}
        issue = (body.get("issue") or [{}])[0]
        details["diagnostics"] = str(issue.get("diagnostics", ""))[:300]
    return details
