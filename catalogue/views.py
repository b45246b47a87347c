"""Editor portal entry points (sign-up, home). The public catalogue comes later."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from catalogue import services
from ens_core.accounts import services as accounts
from ens_core.accounts.models import Role
from ens_core.accounts.passwords import PASSWORD_RULES
from ens_core.accounts.policies import can_use_editor_portal, requires
from ens_core.accounts.schemas import EditorSignupSchema
from ens_core.db import db
from ens_core.forms import field_error, parse_form

bp = Blueprint("editor", __name__, url_prefix="/editeur")


@bp.route("/inscription", methods=["GET", "POST"])
def signup():
    values = request.form.to_dict() if request.method == "POST" else {}
    values.pop("password", None)
    values.pop("password_confirm", None)
    errors: dict = {}
    if request.method == "POST":
        data, errors = parse_form(EditorSignupSchema(), request.form)
        if data is not None:
            try:
                user = accounts.create_user(
                    email=data["email"],
                    name=data["name"],
                    password=data["password"],
                    roles={Role.EDITOR},
                )
            except accounts.EmailTaken:
                db.session.rollback()
                errors = field_error(
                    "email", _("Un compte existe déjà avec cette adresse. Connectez-vous.")
                )
            else:
                services.create_organisation(
                    user,
                    legal_name=data["organisation_name"],
                    country=data["country"],
                    contact_email=user.email,
                )
                db.session.commit()
                login_user(user)
                flash(
                    _("Votre compte éditeur est créé. Complétez la fiche de votre organisation."),
                    "success",
                )
                return redirect(url_for("editor.home"))
        status = 400
    else:
        status = 200
    return render_template(
        "catalogue/editor_signup.html", errors=errors, values=values, rules=PASSWORD_RULES
    ), status


@bp.route("")
@requires(can_use_editor_portal)
def home():
    from catalogue.editor.views import render_home

    return render_home()
