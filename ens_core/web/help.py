"""Help and legal pages: contact, legal notice, personal data, cookies. What they name
(the operator, the addresses to write to, the host) comes from settings, so that whoever
runs ENS Store states its own:

- ``ENS_OPERATOR_NAME`` / ``ENS_OPERATOR_ADDRESS``: who publishes the site, where;
- ``ENS_CONTACT_EMAIL``: questions, accessibility problems;
- ``ENS_DPO_EMAIL``: the data protection officer (rights over personal data);
- ``ENS_HOSTING_PROVIDER``: who hosts the site.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, current_app, render_template

from ens_core.i18n import LANG_COOKIE

bp = Blueprint("help", __name__)

DEFAULTS = {
    "ENS_OPERATOR_NAME": "Opérateur de démonstration d'ENS Store",
    "ENS_OPERATOR_ADDRESS": "1 place de la Santé, 75000 Paris, France",
    "ENS_CONTACT_EMAIL": "contact@ens-store.example",
    "ENS_DPO_EMAIL": "dpo@ens-store.example",
    "ENS_HOSTING_PROVIDER": "Hébergeur certifié HDS (à déclarer par l'opérateur)",
}


def operator() -> dict:
    """What the help pages say about who runs the site and whom to write to."""
    config = current_app.config
    return {
        "name": config["ENS_OPERATOR_NAME"],
        "address": config["ENS_OPERATOR_ADDRESS"],
        "contact": config["ENS_CONTACT_EMAIL"],
        "dpo": config["ENS_DPO_EMAIL"],
        "host": config["ENS_HOSTING_PROVIDER"],
    }


@bp.route("/contact")
def contact():
    return render_template("ens_core/help/contact.html", operator=operator())


@bp.route("/mentions-legales")
def legal_notice():
    return render_template("ens_core/help/legal_notice.html", operator=operator())


@bp.route("/donnees-personnelles")
def personal_data():
    return render_template("ens_core/help/personal_data.html", operator=operator())


@bp.route("/cookies")
def cookies():
    config = current_app.config
    return render_template(
        "ens_core/help/cookies.html",
        operator=operator(),
        session_cookie=config["SESSION_COOKIE_NAME"],
        session_hours=int(config["PERMANENT_SESSION_LIFETIME"]) // 3600,
        language_cookie=LANG_COOKIE,
    )


def init_app(app: Flask) -> None:
    for key, default in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(key, default))
    app.register_blueprint(bp)
    app.jinja_env.globals["help_operator"] = operator
