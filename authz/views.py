"""OAuth 2.0 / OpenID Connect / SMART endpoints, the consent screen and receipts.

Views stay thin: Authlib validates the protocol, :mod:`authz.consent` records the grant,
the transaction boundary commits once (every OAuth error answer, a redirect included, rolls
the request back: see :mod:`authz.server`). The token, revocation, introspection and
userinfo endpoints use client or bearer authentication and are exempt from CSRF; the
consent form is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.exceptions import ServiceUnavailable

from authz import consent as consents
from authz import discovery, keys
from authz.conformance.recorder import observe_oauth
from authz.models import Client
from authz.policies import can_view_receipt, client_may_act_on
from authz.protector import authenticate_request
from authz.schemas import ConsentSchema
from authz.services import get_client
from authz.tokens import fhir_base_url, issuer
from ens_core.accounts.models import Role, User
from ens_core.accounts.services import get_user
from ens_core.boundary import roll_back, writes, writes_last
from ens_core.db import utcnow
from ens_core.extensions import csrf
from ens_core.forms import field_error, parse_form
from ens_core.health import delegation
from ens_core.i18n import local_date
from ens_core.scopes import CONTEXT_SCOPES, parse_scopes
from ens_core.service_directory import SERVICES
from ens_core.web.errors import handle_http_error
from ens_core.wording import NOT_A_PERMISSION, country_name, permission_lines

bp = Blueprint("authz", __name__, static_folder="static", static_url_path="/oauth/static")


def server():
    return current_app.extensions["ens_authz_server"]


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _redirect_error(redirect_uri: str, error: str, description: str, state: str | None):
    roll_back()  # an error sent back to the client: the request keeps nothing
    params = [("error", error), ("error_description", description)]
    if state:
        params.append(("state", state))
    params.append(("iss", issuer()))
    return _no_store(redirect(add_params_to_uri(redirect_uri, params), 302))


def _authorize_error(error: OAuth2Error):
    """Redirect to the client when its redirect URI was validated, else explain here. A
    service the store refuses (suspended, delisted, client disabled) is explained here
    first, with the way back to the app (defect 5): unless the app asked for no page."""
    if error.redirect_uri:
        if error.error == "unauthorized_client" and request.args.get("prompt") != "none":
            return _store_refusal(error)
        return _redirect_error(
            error.redirect_uri, error.error, error.get_error_description(), error.state
        )
    return _no_store(
        current_app.make_response(
            (
                render_template(
                    "authz/error.html", error=error.error, description=error.description
                ),
                400,
            )
        )
    )


def _store_refusal(error: OAuth2Error):
    """The page that tells the citizen why the store refuses this service, and links back
    to the app with the error the app expects."""
    client = get_client(request.args.get("client_id", ""))
    service = SERVICES.get().get(client.service_id) if client else None
    params = [("error", error.error), ("error_description", error.get_error_description())]
    if error.state:
        params.append(("state", error.state))
    params.append(("iss", issuer()))
    page = render_template(
        "authz/refused.html",
        service=service,
        status=getattr(getattr(service, "status", None), "value", None),
        client_enabled=bool(client and client.is_enabled),
        page_url=SERVICES.get().page_url(service) if service else None,
        back_url=add_params_to_uri(error.redirect_uri, params),
    )
    return _no_store(current_app.make_response((page, 403)))


def _authorize_path_without_prompt() -> str:
    """Where to come back after logging in: the same request, minus ``prompt`` (the
    login it asked for has just happened)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "prompt"]
    return url_for("authz.authorize") + "?" + urlencode(params)


@dataclass
class ConsentRequest:
    """An authorization request Authlib accepted, with the citizen and what is asked."""

    grant: object  # Authlib's authorization-code grant answering this request
    user: User
    client: Client
    service: object
    wards: list[User]
    requested: list[str]

    @property
    def oauth(self):
        return self.grant.request

    @property
    def redirect_uri(self) -> str:
        return self.grant.redirect_uri

    @property
    def state(self) -> str | None:
        return self.oauth.payload.state


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    """Parse the request, check the citizen and the client, then show the consent screen
    (GET) or record the citizen's decision (POST)."""
    user = current_user if current_user.is_authenticated else None
    try:
        grant = server().get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return _authorize_error(error)
    refusal = _check_citizen(grant, user)
    if refusal is not None:
        return refusal
    consent = _consent_request(grant, user)
    if not _client_may_act_for(consent.client, [user, *consent.wards]):
        return _sandbox_mismatch(consent)
    if request.method == "GET":
        return _render_consent(consent)
    return _record_decision(consent)


def _check_citizen(grant, user):
    """Only a signed-in citizen consents: send others to the login page, or back to the
    client when it asked for no interaction (``prompt=none``). None when all is well."""
    payload = grant.request.payload
    prompt = payload.data.get("prompt")
    if user is None:
        if prompt == "none":
            return _redirect_error(
                grant.redirect_uri, "login_required", "Login required.", payload.state
            )
        return redirect(url_for("accounts.login", next=_authorize_path_without_prompt()))
    if prompt == "none":
        return _redirect_error(
            grant.redirect_uri, "consent_required", "Consent required.", payload.state
        )
    if request.method == "GET" and "login" in (prompt or "").split():
        # OpenID Connect prompt=login: authenticate again, then come back without it.
        logout_user()
        return redirect(url_for("accounts.login", next=_authorize_path_without_prompt()))
    if not user.has_role(Role.CITIZEN):
        description = _("Seul le titulaire d'un espace santé peut autoriser un service.")
        return _no_store(
            current_app.make_response(
                (
                    render_template(
                        "authz/error.html", error="access_denied", description=description
                    ),
                    403,
                )
            )
        )
    return None


def _consent_request(grant, user) -> ConsentRequest:
    client = grant.request.client.record
    return ConsentRequest(
        grant=grant,
        user=user,
        client=client,
        service=SERVICES.get().get(client.service_id),
        wards=delegation.wards_of(user),
        requested=parse_scopes(grant.request.scope),
    )


def _client_may_act_for(client, people) -> bool:
    return any(client_may_act_on(client, person) for person in people)


def _sandbox_mismatch(consent: ConsentRequest):
    return _redirect_error(
        consent.redirect_uri,
        "access_denied",
        "Sandbox clients act only on synthetic accounts, production clients only on real ones.",
        consent.state,
    )


def _render_consent(consent: ConsentRequest, errors: dict | None = None, form=None):
    """The consent screen: each permission in a plain sentence (ens_core.wording, as on the
    connected-services page), the hosting countries, the duration, the people the citizen
    may consent for; the scope codes only under "Détails techniques"."""
    lines = permission_lines(consent.service, consent.requested)
    offline = "offline_access" in consent.requested
    values = {
        "duration": "long" if offline else "one_time",
        "months": consents.MAX_MONTHS,
        "scopes": [line.scope for line in lines],
        "acting_for": "",
    }
    if form is not None:  # a form sent back with its errors keeps what was entered
        values = {**values, **form.to_dict(), "scopes": form.getlist("scopes")}
    directory = SERVICES.get()
    page = render_template(
        "authz/consent.html",
        client=consent.client,
        service=consent.service,
        lines=lines,
        requested=consent.requested,
        hosting=[country_name(c) for c in directory.hosting_countries(consent.service)],
        logo_url=directory.logo_url(consent.service),
        page_url=directory.page_url(consent.service),
        wards=consent.wards,
        ward_options=[(str(ward.id), ward.name) for ward in consent.wards],
        offline=offline,
        month_options=_month_options(),
        errors=errors or {},
        values=values,
    )
    return _no_store(current_app.make_response((page, 400 if errors else 200)))


def _month_options() -> list[tuple[str, str]]:
    """ "13 mois, jusqu'au 3 janvier 2028": each choice says the date it ends."""
    now = utcnow()
    return [
        (
            str(m),
            _(
                "%(n)s mois, jusqu'au %(date)s",
                n=m,
                date=local_date(now + consents.expiry_for(one_time=False, months=m, now=now)),
            ),
        )
        for m in range(consents.MAX_MONTHS, 0, -1)
    ]


def _subject_of(consent: ConsentRequest, data: dict) -> tuple[User | None, dict]:
    """Whose data the consent is about: the citizen, or a ward they may act for."""
    if not data["acting_for"]:
        return consent.user, {}
    ward = get_user(data["acting_for"])
    if ward is None or not delegation.can_act_for(consent.user, ward):
        message = _("Vous ne pouvez pas donner votre accord pour cette personne.")
        return None, field_error("acting_for", message)
    return ward, {}


def _record_decision(consent: ConsentRequest):
    """The citizen's answer: refused (or nothing ticked) goes back to the client with
    ``access_denied``; granted records the consent and sends back a code."""
    data, errors = parse_form(ConsentSchema(), request.form)
    subject = None
    if data is not None:
        subject, errors = _subject_of(consent, data)
    if errors:
        return _render_consent(consent, errors, request.form)
    ticked = set(data["scopes"])
    if data["duration"] == "long":
        ticked.add("offline_access")  # "dans la durée" is what offline_access asks
    granted = [s for s in consent.requested if s in ticked or s in CONTEXT_SCOPES]
    if data["decision"] == "deny" or not [s for s in granted if s not in NOT_A_PERMISSION]:
        response = server().create_authorization_response(grant=consent.grant, grant_user=None)
        return _no_store(response)
    if not client_may_act_on(consent.client, subject):
        return _sandbox_mismatch(consent)
    record, _receipt = consents.record_consent(
        subject,
        consent.service,
        consent.client,
        granted,
        consented_by=consent.user,
        one_time=data["duration"] == "one_time",
        months=data["months"],
    )
    consent.oauth.authz_grant = record
    consent.oauth.granted_scope = record.scopes
    # Failing at this last step answers an error redirect, which rolls the consent back
    # (authz.server): no consent is kept without a code.
    return _no_store(
        server().create_authorization_response(grant=consent.grant, grant_user=subject)
    )


@bp.after_request
def record_for_conformance(response):
    """A sandbox client's authorization and token requests during a conformance run."""
    if request.endpoint in ("authz.authorize", "authz.token"):
        return observe_oauth(response)
    return response


@bp.route("/oauth/token", methods=["POST"])
@csrf.exempt
@writes_last  # reads (client, code or token) first; writes from the claim on
def token():
    # A refusal keeps what authz.grants records to survive it: the claim of the code or
    # refresh token, and what a reuse revokes.
    return _no_store(server().create_token_response())


@bp.route("/oauth/revoke", methods=["POST"])
@csrf.exempt
def revoke():
    return _no_store(server().create_endpoint_response("revocation"))


@bp.route("/oauth/introspect", methods=["POST"])
@csrf.exempt
def introspect():
    return _no_store(server().create_endpoint_response("introspection"))


@bp.route("/oauth/token", methods=["GET", "PUT", "DELETE", "PATCH"])
@bp.route("/oauth/revoke", methods=["GET", "PUT", "DELETE", "PATCH"])
@bp.route("/oauth/introspect", methods=["GET", "PUT", "DELETE", "PATCH"])
def post_only():
    """These endpoints take POST only; answer other methods in JSON, like their errors."""
    response = jsonify(error="invalid_request", error_description="Use POST.")
    response.status_code = 405
    response.headers["Allow"] = "POST"
    return _no_store(response)


@bp.route("/oauth/jwks")
@writes  # the first call creates the keys
def jwks():
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    try:
        context = authenticate_request()
    except OAuth2Error as error:
        description = error.description or "The access token is invalid."
        response = jsonify(error="invalid_token", error_description=description)
        response.status_code = 401
        attributes = 'Bearer error="invalid_token"'
        if error.error == "missing_authorization":
            attributes = "Bearer"
        response.headers["WWW-Authenticate"] = attributes
        return _no_store(response)
    if "openid" not in context.scopes:
        response = jsonify(error="insufficient_scope", error_description="openid is required.")
        response.status_code = 403
        response.headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope", scope="openid"'
        return _no_store(response)
    body = {"sub": context.patient_id}
    if "fhirUser" in context.scopes:
        body["fhirUser"] = f"{fhir_base_url()}/Patient/{context.patient_id}"
    return _no_store(jsonify(body))


@bp.route("/.well-known/oauth-authorization-server")
def oauth_metadata():
    return jsonify(discovery.authorization_server_metadata())


@bp.route("/.well-known/openid-configuration")
def openid_configuration():
    return jsonify(discovery.openid_configuration())


@bp.route("/fhir/.well-known/smart-configuration")
def smart_configuration():
    return jsonify(discovery.smart_configuration())


@bp.route("/oauth/consentements")
def my_grants():
    """The old list of authorised services: one page now shows and ends every connection,
    "Services connectés" in the health space."""
    return redirect(url_for("health.services"), 301)


def _own_receipt(public_id: str):
    if not current_user.is_authenticated:
        return None
    receipt = consents.get_receipt(public_id)
    if receipt is None or not can_view_receipt(current_user, receipt):
        abort(404)
    return receipt


@bp.route("/oauth/recus/<public_id>")
def receipt_page(public_id: str):
    receipt = _own_receipt(public_id)
    if receipt is None:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    expires = receipt.document.get("expires_at")
    return render_template(
        "authz/receipt.html",
        receipt=receipt,
        doc=receipt.document,
        expires=datetime.fromisoformat(expires) if expires else None,
    )


@bp.route("/oauth/recus/<public_id>.json")
def receipt_json(public_id: str):
    receipt = _own_receipt(public_id)
    if receipt is None:
        abort(401)
    return _no_store(jsonify(receipt.document))


# --- a busy database -----------------------------------------------------------------------

JSON_ENDPOINTS = {"authz.token", "authz.revoke", "authz.introspect", "authz.userinfo"}


@bp.errorhandler(ServiceUnavailable)
def temporarily_unavailable(error: ServiceUnavailable):
    """The JSON endpoints answer a busy database as OAuth clients expect (RFC 6749
    ``temporarily_unavailable``); the boundary adds ``Retry-After``. Pages answer HTML."""
    if request.endpoint not in JSON_ENDPOINTS:
        return handle_http_error(error)
    response = jsonify(error="temporarily_unavailable", error_description=error.description)
    response.status_code = 503
    return _no_store(response)
