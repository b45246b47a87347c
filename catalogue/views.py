"""Editor portal entry points (sign-up, home). The public catalogue comes later."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from catalogue import services
from ens_core.accounts import services as accounts
from ens_core.accounts.models import Role
from ens_core.accounts.passwords import PASSWORD_RULES
from ens_core.accounts.policies import can_use_editor_portal, requires
from ens_core.accounts.schemas import EditorSignupSchema
from ens_core.forms import (
    refusals_shown_on,
    saved,
    typed_values,
    validated,
)

bp = Blueprint("editor", __name__, url_prefix="/editeur")


@bp.route("/inscription", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        return _signup_page()
    taken = _("Un compte existe déjà avec cette adresse. Connectez-vous.")
    with refusals_shown_on(_signup_page, accounts.EmailTaken, field="email", message=taken):
        data = validated(EditorSignupSchema())
        user = accounts.create_user(
            email=data["email"], name=data["name"], password=data["password"], roles={Role.EDITOR}
        )
        services.create_organisation(
            user,
            legal_name=data["organisation_name"],
            country=data["country"],
            contact_email=user.email,
        )
    login_user(user)
    return saved(
        _("Votre compte éditeur est créé. Complétez la fiche de votre organisation."),
        url_for("editor.home"),
    )


def _signup_page(errors=None):
    return render_template(
        "catalogue/editor_signup.html",
        errors=errors or {},
        values=typed_values("password", "password_confirm"),
        rules=PASSWORD_RULES,
    )


@bp.route("")
@requires(can_use_editor_portal)
def home():
    from catalogue.editor.views import render_home

    return render_home()
