"""OAuth 2.0 / OpenID Connect / SMART endpoints, the consent screen and receipts.

Views stay thin: Authlib validates the protocol, :mod:`authz.consent` records the grant,
the transaction boundary commits once (every OAuth error answer, a redirect included, rolls
the request back: see :mod:`authz.server`). The token, revocation, introspection and
userinfo endpoints use client or bearer authentication and are exempt from CSRF; the
consent form is not.
"""

from __future__ import annotations

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
from authz import delegation, discovery, keys
from authz.policies import client_may_act_on
from authz.schemas import ConsentSchema
from authz.scopes import CONTEXT_SCOPES, parse_scopes
from authz.tokens import fhir_base_url, issuer
from ens_core.accounts.models import Role, User
from ens_core.boundary import roll_back, writes
from ens_core.db import db
from ens_core.extensions import csrf
from ens_core.forms import field_error, parse_form, saved
from ens_core.web.errors import handle_http_error

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
    """Redirect to the client when its redirect URI was validated, else explain here."""
    if error.redirect_uri:
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


def _authorize_path_without_prompt() -> str:
    """Where to come back after logging in: the same request, minus ``prompt`` (the
    login it asked for has just happened)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "prompt"]
    return url_for("authz.authorize") + "?" + urlencode(params)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    user = current_user if current_user.is_authenticated else None
    try:
        grant = server().get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return _authorize_error(error)
    oauth_request = grant.request
    redirect_uri = grant.redirect_uri
    state = oauth_request.payload.state
    prompt = oauth_request.payload.data.get("prompt")
    if user is None:
        if prompt == "none":
            return _redirect_error(redirect_uri, "login_required", "Login required.", state)
        return redirect(url_for("accounts.login", next=_authorize_path_without_prompt()))
    if prompt == "none":
        return _redirect_error(redirect_uri, "consent_required", "Consent required.", state)
    if request.method == "GET" and "login" in (prompt or "").split():
        # OpenID Connect prompt=login: authenticate again, then come back without it.
        logout_user()
        return redirect(url_for("accounts.login", next=_authorize_path_without_prompt()))
    if not user.has_role(Role.CITIZEN):
        return _no_store(
            current_app.make_response(
                (
                    render_template(
                        "authz/error.html",
                        error="access_denied",
                        description=_(
                            "Seul le titulaire d'un espace santé peut autoriser un service."
                        ),
                    ),
                    403,
                )
            )
        )
    client = oauth_request.client.record
    from catalogue.services import get_service, hosting_countries

    service = get_service(client.service_id)
    wards = delegation.wards_of(user)
    if not client_may_act_on(client, user) and not any(
        client_may_act_on(client, ward) for ward in wards
    ):
        return _redirect_error(
            redirect_uri,
            "access_denied",
            "Sandbox clients act only on synthetic accounts, production clients only on real ones.",
            state,
        )
    requested = parse_scopes(oauth_request.scope)
    lines = consents.scope_lines(service, requested)
    offline = "offline_access" in requested
    context = {
        "client": client,
        "service": service,
        "lines": lines,
        "hosting": hosting_countries(service),
        "wards": wards,
        "ward_options": [(str(ward.id), ward.name) for ward in wards],
        "offline": offline,
        "month_options": [
            (str(m), _("%(n)s mois", n=m)) for m in range(consents.MAX_MONTHS, 0, -1)
        ],
        "errors": {},
        "values": {
            "duration": "long" if offline else "one_time",
            "months": consents.MAX_MONTHS,
            "scopes": [line.scope for line in lines],
            "acting_for": "",
        },
    }
    if request.method == "GET":
        return _no_store(
            current_app.make_response(render_template("authz/consent.html", **context))
        )

    data, errors = parse_form(ConsentSchema(), request.form)
    subject = user
    if data is not None and data["acting_for"]:
        ward = db.session.get(User, data["acting_for"])
        if ward is None or not delegation.can_act_for(user, ward):
            errors = field_error(
                "acting_for", _("Vous ne pouvez pas donner votre accord pour cette personne.")
            )
        else:
            subject = ward
    if errors:
        context["errors"] = errors
        context["values"] = {**context["values"], **request.form.to_dict()}
        context["values"]["scopes"] = request.form.getlist("scopes")
        return _no_store(
            current_app.make_response((render_template("authz/consent.html", **context), 400))
        )
    ticked = set(data["scopes"])
    granted = [s for s in requested if s in ticked or s in CONTEXT_SCOPES]
    if data["decision"] == "deny" or not [s for s in granted if s not in CONTEXT_SCOPES]:
        response = server().create_authorization_response(grant=grant, grant_user=None)
        return _no_store(response)
    if not client_may_act_on(client, subject):
        return _redirect_error(
            redirect_uri,
            "access_denied",
            "Sandbox clients act only on synthetic accounts, production clients only on real ones.",
            state,
        )
    record, _receipt = consents.record_consent(
        subject,
        service,
        client,
        granted,
        consented_by=user,
        one_time=data["duration"] == "one_time",
        months=data["months"],
    )
    oauth_request.authz_grant = record
    oauth_request.granted_scope = record.scopes
    # Failing at this last step answers an error redirect, which rolls the consent back:
    # no consent is kept without a code.
    return _no_store(server().create_authorization_response(grant=grant, grant_user=subject))


@bp.route("/oauth/token", methods=["POST"])
@csrf.exempt
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
    from authz.protector import authenticate_request

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
    from catalogue.services import get_service
    from ens_core.accounts.policies import can_use_health_space

    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    if not can_use_health_space(current_user):
        abort(403)
    from ens_core.db import utcnow

    now = utcnow()
    rows = [
        {
            "grant": grant,
            "service": get_service(grant.service_id),
            "citizen": db.session.get(User, grant.citizen_id),
            "active": grant.is_active(now),
            "scopes": parse_scopes(grant.scopes),
        }
        for grant in consents.grants_of(current_user)
    ]
    receipts = consents.receipts_of(current_user)
    return render_template("authz/grants.html", rows=rows, receipts=receipts)


@bp.route("/oauth/consentements/<int:grant_id>/retirer", methods=["POST"])
def withdraw(grant_id: int):
    from authz.models import Grant
    from authz.policies import can_withdraw_grant

    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    grant = db.session.get(Grant, grant_id)
    if grant is None or not can_withdraw_grant(current_user, grant):
        abort(404)
    consents.withdraw_consent(current_user, grant)
    return saved(
        _("Accord retiré : le service ne peut plus accéder à vos données."),
        url_for("authz.my_grants"),
    )


def _own_receipt(public_id: str):
    from authz.policies import can_view_receipt

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
    return render_template("authz/receipt.html", receipt=receipt, doc=receipt.document)


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
