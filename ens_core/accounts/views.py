"""Login, logout, citizen sign-up and the account home. Views stay thin."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ens_core.accounts import services
from ens_core.accounts.passwords import PASSWORD_RULES
from ens_core.accounts.schemas import CitizenSignupSchema, LoginSchema
from ens_core.forms import (
    field_error,
    parse_form,
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    values = {"email": request.values.get("email", ""), "next": request.values.get("next", "")}
    if request.method == "GET":
        return render_template("ens_core/accounts/login.html", errors={}, values=values)
    data, errors = parse_form(LoginSchema(), request.form)
    status = 400
    if data is not None:
        result = services.authenticate(data["email"], data["password"], ip=request.remote_addr)
        if result.user is not None:
            login_user(result.user)
            return redirect(safe_next(data.get("next")) or url_for("accounts.home"))
        if result.locked_until is not None:
            status = 429
            message = _(
                "Trop de tentatives : le compte est bloqué pendant 15 minutes. Réessayez plus tard."
            )
        else:
            status = 401
            message = _("Adresse électronique ou mot de passe incorrect.")
        errors = field_error("email", message)
    return render_template("ens_core/accounts/login.html", errors=errors, values=values), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
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


@bp.route("/mon-compte")
@login_required
def home():
    return render_template("ens_core/accounts/home.html", user=current_user)
