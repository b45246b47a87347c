"""Login, logout, citizen sign-up, the account home with its sessions, password reset and
sign-in links. Views stay thin."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ens_core import throttle
from ens_core.accounts import links, services, sessions
from ens_core.accounts.models import TokenPurpose
from ens_core.accounts.passwords import PASSWORD_RULES
from ens_core.accounts.schemas import (
    CitizenSignupSchema,
    EmailSchema,
    LoginSchema,
    ResetPasswordSchema,
)
from ens_core.forms import (
    field_error,
    parse_form,
    refusals_flashed,
    refusals_shown_on,
    saved,
    typed_values,
    validated,
)

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect after login would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _delay(wait: throttle.Wait) -> str:
    return format_timedelta(timedelta(seconds=wait.retry_after), add_direction=False)


def _throttled(page, wait: throttle.Wait):
    """``page`` answered 429 with ``Retry-After``."""
    response = make_response(page)
    response.status_code = 429
    response.headers["Retry-After"] = str(wait.retry_after)
    return response


def _login_refusal(wait: throttle.Wait) -> str:
    if wait.rule is throttle.LOGIN_ACCOUNT:
        return _(
            "Trop de tentatives pour ce compte : réessayez dans %(delay)s, ou recevez tout "
            "de suite un lien de connexion par e-mail.",
            delay=_delay(wait),
        )
    return _(
        "Trop de tentatives depuis votre connexion : réessayez dans %(delay)s.",
        delay=_delay(wait),
    )


def _login_page(values: dict, errors=None, *, sign_in_link: bool = False):
    return render_template(
        "ens_core/accounts/login.html",
        errors=errors or {},
        values=values,
        sign_in_link=sign_in_link,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    values = {"email": request.values.get("email", ""), "next": request.values.get("next", "")}
    if request.method == "GET":
        return _login_page(values)
    data, errors = parse_form(LoginSchema(), request.form)
    if data is None:
        return _login_page(values, errors), 400
    result = services.authenticate(data["email"], data["password"], ip=request.remote_addr)
    if result.user is not None:
        login_user(result.user)
        return redirect(safe_next(data.get("next")) or url_for("accounts.home"))
    if result.wait:
        errors = field_error("email", _login_refusal(result.wait))
        page = _login_page(values, errors, sign_in_link=result.wait.rule is throttle.LOGIN_ACCOUNT)
        return _throttled(page, result.wait)
    errors = field_error("email", _("Adresse électronique ou mot de passe incorrect."))
    return _login_page(values, errors), 401


def _leave_browser_session() -> None:
    """This browser's session ends for good (server-side too), and its cookie is emptied."""
    sessions.end_current_session()
    logout_user()
    session.clear()


@bp.route("/logout", methods=["POST"])
def logout():
    _leave_browser_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("core.index"))


@bp.route("/inscription", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        return _signup_page()
    taken = _("Un compte existe déjà avec cette adresse. Connectez-vous.")
    with refusals_shown_on(_signup_page, services.EmailTaken, field="email", message=taken):
        user = services.register_citizen(validated(CitizenSignupSchema()))
    login_user(user)
    return saved(_("Votre espace santé est créé."), url_for("accounts.home"))


def _signup_page(errors=None):
    return render_template(
        "ens_core/accounts/signup.html",
        errors=errors or {},
        values=typed_values("password", "password_confirm"),
        rules=PASSWORD_RULES,
    )


# --- the account home and its sessions ------------------------------------------------------


@bp.route("/mon-compte")
@login_required
def home():
    return render_template(
        "ens_core/accounts/home.html",
        user=current_user,
        sessions=sessions.active_sessions(current_user),
        idle_seconds=int(sessions.idle_limit(current_user).total_seconds()),
        max_seconds=int(sessions.max_age().total_seconds()),
    )


@bp.route("/mon-compte/sessions/<int(max=2147483647):session_id>/terminer", methods=["POST"])
@login_required
def end_session(session_id: int):
    if session_id == sessions.current_session_id():
        return logout()
    with refusals_flashed(url_for(".home"), sessions.SessionNotFound):
        sessions.end_session(current_user, session_id)
    return saved(_("La session est terminée sur cet appareil."), url_for(".home"))


@bp.route("/mon-compte/sessions/terminer-tout", methods=["POST"])
@login_required
def end_all_sessions():
    sessions.end_all_sessions(current_user)
    _leave_browser_session()
    return saved(
        _("Vous êtes déconnecté de tous vos appareils."), url_for(".login"), category="info"
    )


# --- links sent by e-mail: password reset, sign-in link ------------------------------------


def _ask_page(purpose: TokenPurpose, errors=None):
    return render_template(
        "ens_core/accounts/ask_link.html",
        purpose=purpose,
        errors=errors or {},
        values={"email": request.values.get("email", "")},
    )


def _ask_for_link(purpose: TokenPurpose, sent_message: str):
    if request.method == "GET":
        return _ask_page(purpose)
    with refusals_shown_on(lambda errors: _ask_page(purpose, errors)):
        data = validated(EmailSchema())
    wait = links.request_link(purpose, data["email"], ip=request.remote_addr)
    if wait:
        message = _("Trop de demandes : réessayez dans %(delay)s.", delay=_delay(wait))
        return _throttled(_ask_page(purpose, field_error("email", message)), wait)
    return saved(sent_message, url_for(".login", email=data["email"]), category="info")


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    return _ask_for_link(
        TokenPurpose.PASSWORD_RESET,
        _(
            "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec "
            "un lien valable une heure pour choisir un nouveau mot de passe."
        ),
    )


@bp.route("/connexion/lien", methods=["GET", "POST"])
def ask_sign_in_link():
    return _ask_for_link(
        TokenPurpose.SIGN_IN,
        _(
            "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec "
            "un lien de connexion valable 15 minutes."
        ),
    )


def _link_refused(purpose: TokenPurpose):
    wait = links.link_wait(request.remote_addr)
    page = render_template("ens_core/accounts/link_invalid.html", purpose=purpose)
    return _throttled(page, wait) if wait else (page, 400)


def _reset_page(token: str, errors=None):
    return render_template(
        "ens_core/accounts/reset_password.html",
        token=token,
        errors=errors or {},
        rules=PASSWORD_RULES,
    )


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    # GET only shows the form (a mail scanner opening the link uses nothing up).
    try:
        account = links.valid_link(TokenPurpose.PASSWORD_RESET, token, ip=request.remote_addr)
        if request.method == "GET":
            return _reset_page(token)
        user = services.get_user(account.user_id)
        form = request.form.copy()
        form.update({"email": user.email, "name": user.name})
        with refusals_shown_on(lambda errors: _reset_page(token, errors)):
            data = validated(ResetPasswordSchema(), form)
        links.reset_password(token, data["password"], ip=request.remote_addr)
    except links.LinkInvalid:
        return _link_refused(TokenPurpose.PASSWORD_RESET)
    _leave_browser_session()
    return saved(
        _("Votre mot de passe est changé. Connectez-vous avec le nouveau."),
        url_for(".login", email=user.email),
    )


@bp.route("/connexion/lien/<token>", methods=["GET", "POST"])
def sign_in_link(token: str):
    # GET asks for a click: a mail scanner opening the link must not use it up.
    try:
        if request.method == "GET":
            links.valid_link(TokenPurpose.SIGN_IN, token, ip=request.remote_addr)
            return render_template("ens_core/accounts/sign_in_link.html", token=token)
        user = links.sign_in_with_link(token, ip=request.remote_addr)
    except links.LinkInvalid:
        return _link_refused(TokenPurpose.SIGN_IN)
    _leave_browser_session()
    login_user(user)
    return saved(_("Vous êtes connecté."), url_for(".home"))
