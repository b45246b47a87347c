"""Who is calling the FHIR API, and what the API needs from the authorization server.

The FHIR API (ens_core) serves connected services whose bearer tokens the authorization
server (authz, a higher layer) issues. ens_core does not import authz: it declares here
what it needs, :class:`Authorization`, and authz provides it in its ``init_app``
(``AUTHORIZATION.provide(app, ...)``).

:class:`AccessContext` is the one description of a call: built by the authorization
server from the token, completed with the caller's address by :func:`require_scope`,
read by every FHIR service function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from flask import current_app, g, request
from sqlalchemy import ColumnElement, FromClause

from ens_core import scopes
from ens_core.fhir.errors import FhirError, error_response
from ens_core.health import services as health
from ens_core.providers import Slot


@dataclass
class AccessContext:
    """What a protected FHIR call may rely on.

    ``citizen`` is always the person whose data is accessed (for a minor, the minor).
    ``acting_for`` is set when a guardian consented on the citizen's behalf: it is that
    guardian; None when the citizen consented. ``patient_id`` is the pairwise pseudonymous
    id this service knows the citizen by. ``scopes`` are those of the token still covered
    by the grant; ``ip`` the caller's address (for the access log).
    """

    citizen: object
    service: object
    client: object
    grant: object | None = None
    scopes: list[str] = field(default_factory=list)
    patient_id: str = ""
    acting_for: object | None = None
    ip: str | None = None

    def allows(self, resource_type: str, interaction: str) -> bool:
        return scopes.allows(self.scopes, resource_type, interaction)

    @property
    def visibility(self) -> health.Visibility:
        return health.Visibility.of(self.citizen, for_service=True, guardian=self.acting_for)

    @property
    def source(self) -> health.Source:
        return health.Source(service=self.service, client=self.client)


# What the express lane reads with the live state, in the same statement: given the column
# that holds the token's citizen id, a table to join (inner join) and the join's condition
# (None, None: no join, scalar subqueries only), and the columns to add. A module-level
# function: the statement is built once per function.
Along = Callable[[ColumnElement], tuple[FromClause | None, ColumnElement | None, tuple]]


class AccessDenied(Exception):
    """No usable bearer token: missing (``missing_token``) or invalid, revoked, expired,
    or behind a consent, client or service that may not act now. Answers 401."""

    def __init__(self, description: str, *, missing_token: bool = False):
        super().__init__(description)
        self.description = description
        self.missing_token = missing_token


@dataclass(frozen=True)
class RefusedCaller:
    """Whom a refused call's token speaks for (its signature is valid)."""

    citizen_id: int
    service: object
    client: object


@runtime_checkable
class Authorization(Protocol):
    """What the FHIR API needs from the authorization server."""

    def authenticate(self) -> AccessContext:
        """The live context of the current request's bearer token; raises
        :class:`AccessDenied`."""

    def express(
        self, bearer: str, along: Along | None = None, params: dict | None = None
    ) -> tuple[AccessContext, tuple] | None:
        """The live context of an ordinary call's bearer token (``ens_core.fhir.express``:
        a valid token, every live check passed, nothing that the full path would treat
        apart), with the values of the columns ``along`` gives, read in the same
        statement (``params``: their bind parameters; ``()`` without ``along``); None
        otherwise — also when ``along`` finds no row: the call then takes the full path,
        which answers any refusal. Reads only: the caller rolls back what it does not
        keep."""

    def refused_caller(self) -> RefusedCaller | None:
        """For a call that was refused: whom its token (validly signed, possibly revoked)
        speaks for, when its grant and client still exist; None otherwise."""

    def client_ids(self, client_pks) -> dict[int, str]:
        """The public ``client_id`` of each client primary key (for ``meta.source``)."""


AUTHORIZATION = Slot("FHIR API authorization", Authorization)


@runtime_checkable
class CallObserver(Protocol):
    """Who watches answered FHIR calls (authz's sandbox conformance runs)."""

    def observe(self, response, context: AccessContext | None):
        """Called once per protected FHIR call with its answer and its context (None when
        refused before one was built); returns the response to send (the same one, or a
        replacement). Must stay cheap for callers it is not interested in."""


CALLS = Slot("FHIR call observer", CallObserver)


def base_url() -> str:
    return current_app.config["ENS_ISSUER"].rstrip("/") + "/fhir"


def _challenge(**params: str) -> str:
    """``WWW-Authenticate: Bearer realm="…", …`` (RFC 6750)."""
    attributes = [f'realm="{base_url()}"', *(f'{k}="{v}"' for k, v in params.items())]
    return "Bearer " + ", ".join(attributes)


def _refusal(error: AccessDenied) -> FhirError:
    if error.missing_token:
        challenge = _challenge()
    else:
        challenge = _challenge(error="invalid_token", error_description=error.description)
    return FhirError(401, error.description, code="login", headers={"WWW-Authenticate": challenge})


def require_scope(resource_type: str, interaction: str):
    """Protect a FHIR view: a live token whose scopes allow ``interaction`` on
    ``resource_type`` (read, search, create, update, delete). Sets ``flask.g.authz`` (an
    :class:`AccessContext`); refusals answer an OperationOutcome (401 ``invalid_token``,
    403 ``insufficient_scope``)."""
    if interaction not in scopes.INTERACTION_LETTERS:
        raise ValueError(f"unknown interaction {interaction!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                context = AUTHORIZATION.get().authenticate()
            except AccessDenied as error:
                return error_response(_refusal(error))
            if not context.allows(resource_type, interaction):
                needed = scopes.required_scope(resource_type, interaction)
                return error_response(
                    FhirError(
                        403,
                        f"The token does not allow this interaction (needs {needed}).",
                        code="forbidden",
                        headers={
                            "WWW-Authenticate": _challenge(error="insufficient_scope", scope=needed)
                        },
                    )
                )
            context.ip = request.remote_addr
            g.authz = context
            return view(*args, **kwargs)

        return wrapper

    return decorator
