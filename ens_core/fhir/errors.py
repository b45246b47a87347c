"""FHIR errors: every failure of the API is an OperationOutcome (application/fhir+json)."""

from __future__ import annotations

import orjson
from flask import Response

FHIR_JSON = "application/fhir+json"

# HTTP status -> OperationOutcome issue code.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    500: "exception",
    503: "transient",
}


class FhirError(Exception):
    """A refusal with its status, the element at fault (FHIRPath) and a diagnostic;
    ``headers`` go on the response (e.g. a ``WWW-Authenticate`` challenge)."""

    def __init__(
        self,
        status: int,
        diagnostics: str,
        *,
        expression: str | list[str] | None = None,
        code: str | None = None,
        outcome: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(diagnostics)
        self.headers = dict(headers or {})
        self.status = status
        self.diagnostics = diagnostics
        self.expression = [expression] if isinstance(expression, str) else (expression or [])
        self.code = code or ISSUE_CODES.get(status, "processing")
        # For the access log: denied | invalid | not_found | error
        self.outcome = outcome or {403: "denied", 404: "not_found", 401: "denied"}.get(
            status, "invalid" if status < 500 else "error"
        )

    def issues(self) -> list[dict]:
        issue = {"severity": "error", "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = self.expression
        return [issue]


class FhirErrors(FhirError):
    """Several validation problems at once (each with its element)."""

    def __init__(self, status: int, problems: list[tuple[str, str]], code: str | None = None):
        super().__init__(status, problems[0][1], expression=problems[0][0], code=code)
        self.problems = problems

    def issues(self) -> list[dict]:
        return [
            {"severity": "error", "code": self.code, "diagnostics": message, "expression": [path]}
            for path, message in self.problems
        ]


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        mimetype=FHIR_JSON,
    )
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(error: FhirError) -> Response:
    """The one OperationOutcome response of every FHIR refusal (the API's and the resource
    protector's alike)."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    headers.update(error.headers)
    return fhir_response(operation_outcome(error.issues()), error.status, headers)
