"""Editor portal pages. Thin: load and authorise the object, parse, call a service,
render (the transaction boundary commits). Objects of another organisation answer 404
(their existence is not disclosed)."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from marshmallow import Schema, fields

from authz.conformance import services as conformance
from authz.models import AuthMethod
from catalogue import listing_changes, policies
from catalogue.editor import services
from catalogue.editor.models import Invitation
from catalogue.editor.schemas import (
    ClientSettingsSchema,
    HostingSchema,
    InvitationSchema,
    InvitationSignupSchema,
    OrganisationSchema,
    OwnerSchema,
    ServiceSchema,
    country_choices,
    country_name,
)
from catalogue.logos import logo_is_public, logo_response
from catalogue.models import (
    Audience,
    Category,
    HostingDeclaration,
    Organisation,
    OwnerDeclaration,
    Platform,
    PriceModel,
    Service,
)
from catalogue.services import create_organisation, hosting_on, organisations_of, owners_on
from ens_core.accounts import services as accounts
from ens_core.accounts.models import Role
from ens_core.accounts.passwords import PASSWORD_RULES
from ens_core.accounts.policies import can_use_editor_portal, requires
from ens_core.accounts.schemas import EditorSignupSchema
from ens_core.boundary import after_commit, roll_back
from ens_core.db import db, utcnow
from ens_core.forms import (
    InvalidForm,
    field_error,
    form_page,
    parse_form,
    refusals_shown_on,
    saved,
    typed_values,
    validated,
)

bp = Blueprint("editor_portal", __name__, url_prefix="/editeur")


@bp.app_context_processor
def _helpers():
    return {
        "country_name": lambda code: country_name(code, str(get_locale() or "fr")),
        "label_of": _label_of,
    }


def _label_of(enum_cls, value) -> str:
    """The label of an enum value, or the raw value if another package stored an unknown one."""
    try:
        return enum_cls(value).label
    except ValueError:
        return str(value)


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _private_page(template: str, status: int = 200, **context):
    """A portal page that no cache may keep (secrets, members, invitations)."""
    return _no_store((render_template(template, **context), status))


def _organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not policies.can_manage_organisation(current_user, organisation):
        abort(404)
    return organisation


def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or not policies.can_manage_service(current_user, service):
        abort(404)
    return service


def _shown_on(page, *refusals: type[Exception]):
    """A form that does not validate, or an editor service's refusal (on the field it
    names), shown on ``page`` (400)."""
    return refusals_shown_on(page, services.EditorError, *refusals)


# --- sign-up and home --------------------------------------------------------------------


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
        create_organisation(
            user,
            legal_name=data["organisation_name"],
            country=data["country"],
            contact_email=user.email,
        )
    login_user(user)
    return saved(
        _("Votre compte éditeur est créé. Complétez la fiche de votre organisation."),
        url_for("editor_portal.home"),
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
    """The editor's home, a to-do list: information requests to answer first (by due
    date), then per service where its dossier stands and what to do next."""
    organisations = organisations_of(current_user)
    rows = {
        organisation.id: [
            services.service_todo(service)
            for service in sorted(organisation.services, key=lambda s: s.name)
        ]
        for organisation in organisations
    }
    requests = sorted(
        (r for todos in rows.values() for todo in todos for r in todo.progress.requests),
        key=lambda r: r.deadline,
    )
    return render_template(
        "catalogue/editor/home.html", organisations=organisations, rows=rows, requests=requests
    )


# --- organisation -----------------------------------------------------------------------


@bp.route("/organisation")
@requires(can_use_editor_portal)
def organisation_entry():
    organisations = organisations_of(current_user)
    if len(organisations) == 1:
        return redirect(url_for(".organisation", organisation_id=organisations[0].id))
    return render_template("catalogue/editor/organisations.html", organisations=organisations)


def _organisation_page(organisation, *, errors=None, values=None, link=None, status=200):
    return _private_page(
        "catalogue/editor/organisation.html",
        status,
        organisation=organisation,
        members=services.members_of(organisation),
        invitations=services.pending_invitations(organisation),
        owners=owners_on(organisation),
        errors=errors or {},
        values=values or {},
        invitation_url=link,
    )


@bp.route("/organisations/<int:organisation_id>")
@requires(can_use_editor_portal)
def organisation(organisation_id: int):
    return _organisation_page(_organisation_or_404(organisation_id))


@bp.route("/organisations/<int:organisation_id>/modifier", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def edit_organisation(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    if request.method == "GET":
        values = {key: getattr(organisation, key) or "" for key in services.ORGANISATION_FIELDS}
        return _organisation_form(organisation, values)
    with _shown_on(partial(_organisation_form, organisation, request.form.to_dict())):
        data = validated(OrganisationSchema())
        services.update_organisation(current_user, organisation, data)
    return saved(
        _("La fiche de l'organisation est enregistrée."),
        url_for(".organisation", organisation_id=organisation.id),
    )


def _organisation_form(organisation, values: dict, errors=None):
    return render_template(
        "catalogue/editor/organisation_form.html",
        organisation=organisation,
        errors=errors or {},
        values=values,
        countries=country_choices(str(get_locale() or "fr")),
    )


@bp.route("/organisations/<int:organisation_id>/invitations", methods=["POST"])
@requires(can_use_editor_portal)
def invite(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    values = request.form.to_dict()
    with _shown_on(lambda errors: _organisation_page(organisation, errors=errors, values=values)):
        email = validated(InvitationSchema())["email"]
        _invitation, token = services.invite_colleague(current_user, organisation, email)
    flash(
        _("Invitation créée pour %(email)s. Transmettez-lui le lien ci-dessous.", email=email),
        "success",
    )
    return _organisation_page(organisation, link=services.invitation_link(token))


@bp.route(
    "/organisations/<int:organisation_id>/invitations/<int:invitation_id>/revoquer",
    methods=["POST"],
)
@requires(can_use_editor_portal)
def revoke_invitation(organisation_id: int, invitation_id: int):
    organisation = _organisation_or_404(organisation_id)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    services.revoke_invitation(current_user, invitation)
    return saved(
        _("L'invitation de %(email)s est révoquée.", email=invitation.email),
        url_for(".organisation", organisation_id=organisation.id),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept an invitation: logged in (same email), or by creating an editor account."""
    found = services.find_invitation(token)
    if found is None:
        return render_template("catalogue/editor/invitation_invalid.html"), 404
    with form_page(partial(_invitation_page, found, token), services.EditorError):
        if current_user.is_authenticated:
            services.accept_invitation(current_user, found)
            message = _("Vous avez rejoint %(name)s.", name=found.organisation.legal_name)
        else:
            _sign_up_invited(found)
            message = _(
                "Votre compte est créé et vous avez rejoint %(name)s.",
                name=found.organisation.legal_name,
            )
    return saved(message, url_for("editor_portal.home"))


def _sign_up_invited(invitation) -> None:
    """Create the invited person's editor account, join, and log in."""
    form = request.form.copy()
    form["email"] = invitation.email
    data = validated(InvitationSignupSchema(), form)
    try:
        user = accounts.create_user(
            email=invitation.email,
            name=data["name"],
            password=data["password"],
            roles={Role.EDITOR},
        )
    except accounts.EmailTaken:
        message = _("Un compte existe déjà avec cette adresse : connectez-vous pour accepter.")
        raise InvalidForm(field_error("_schema", message)) from None
    services.accept_invitation(user, invitation)
    login_user(user)


def _invitation_page(invitation, token: str, errors=None):
    signing_up = request.method == "POST" and not current_user.is_authenticated
    response = render_template(
        "catalogue/editor/invitation.html",
        invitation=invitation,
        token=token,
        errors=errors or {},
        values={"name": request.form.get("name", "")} if signing_up else {},
        rules=PASSWORD_RULES,
        email_matches=current_user.is_authenticated and current_user.email == invitation.email,
    )
    return _no_store(response)


@bp.route("/invitations")
@login_required
def my_invitations():
    """Invitations addressed to the logged-in user's email, to accept without the link."""
    return render_template(
        "catalogue/editor/my_invitations.html", invitations=services.invitations_for(current_user)
    )


@bp.route("/invitations/<int:invitation_id>/accepter", methods=["POST"])
@login_required
def accept_invitation(invitation_id: int):
    invitation = next(
        (i for i in services.invitations_for(current_user) if i.id == invitation_id), None
    )
    if invitation is None:
        abort(404)
    services.accept_invitation(current_user, invitation)
    return saved(
        _("Vous avez rejoint %(name)s.", name=invitation.organisation.legal_name),
        url_for("editor_portal.home"),
    )


# --- owners -----------------------------------------------------------------------------


@bp.route("/organisations/<int:organisation_id>/actionnaires", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def owners(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    return _declaration_form(
        OwnerSchema(),
        lambda data: services.declare_owner(current_user, organisation, data),
        _("La déclaration d'actionnaire est enregistrée."),
        url_for(".owners", organisation_id=organisation.id),
        lambda errors, values: _owners_page(organisation, errors, values),
    )


def _declaration_form(schema, declare, saved_message, saved_url, page):
    """GET shows the page; POST validates, declares (one transaction) and redirects, or
    re-renders with field messages and nothing written. Shared by hosting and owners."""
    if request.method == "GET":
        return page({}, {})
    with _shown_on(lambda errors: page(errors, request.form.to_dict())):
        declare(validated(schema))
    return saved(saved_message, saved_url)


def _owners_page(organisation, errors, values):
    history = services.owner_history(organisation)
    return render_template(
        "catalogue/editor/owners.html",
        organisation=organisation,
        history=history,
        open_rows=services.open_declarations(history),
        in_force=owners_on(organisation),
        errors=errors,
        values=values,
        countries=country_choices(str(get_locale() or "fr")),
    ), (400 if errors else 200)


@bp.route(
    "/organisations/<int:organisation_id>/actionnaires/<int:declaration_id>/fin",
    methods=["POST"],
)
@requires(can_use_editor_portal)
def end_owner(organisation_id: int, declaration_id: int):
    organisation = _organisation_or_404(organisation_id)
    declaration = db.session.get(OwnerDeclaration, declaration_id)
    if declaration is None or declaration.organisation_id != organisation.id:
        abort(404)
    return _end_declaration(
        lambda on: services.end_owner(current_user, organisation, declaration, on),
        url_for(".owners", organisation_id=organisation.id),
        lambda errors: _owners_page(organisation, errors, {}),
    )


def _end_declaration(end, closed_url, page):
    """Close a declaration on the posted date (one transaction), or re-render the page
    with the reason. Shared by hosting and owners."""
    with _shown_on(page):
        on = _parse_end_date()
        if on is None:
            raise InvalidForm(field_error("effective_to", _("Saisissez une date valide.")))
        end(on)
    return saved(_("La déclaration est close."), closed_url)


def _parse_end_date():
    data, errors = parse_form(
        Schema.from_dict({"effective_to": fields.Date(required=True)})(), request.form
    )
    return None if errors else data["effective_to"]


# --- services ---------------------------------------------------------------------------


def _service_form(template_values, errors, *, service=None, organisation=None, organisations=()):
    return render_template(
        "catalogue/editor/service_form.html",
        service=service,
        organisation=organisation,
        organisations=organisations,
        errors=errors,
        values=template_values,
        organisation_options=[(str(o.id), o.legal_name) for o in organisations],
        categories=[(m.value, m.label) for m in Category],
        platforms=[(m.value, m.label) for m in Platform],
        audiences=[(m.value, m.label) for m in Audience],
        prices=[(m.value, m.label) for m in PriceModel],
        listing_review=_listing_review(service),
    ), (400 if errors else 200)


def _listing_review(service) -> dict | None:
    """For a published listing: the proposal waiting for an agent, the last refusal."""
    if service is None or not listing_changes.is_reviewed(service):
        return None
    return {
        "pending": listing_changes.pending_listing_change(service),
        "rejected": listing_changes.last_rejected_listing_change(service),
        "automatic": [str(label) for label in listing_changes.AUTOMATIC_FIELDS.values()],
    }


def _form_values(form) -> dict:
    values = form.to_dict()
    for key in ("categories", "platforms", "audiences"):
        values[key] = form.getlist(f"{key}[]")
    return values


@bp.route("/services")
@requires(can_use_editor_portal)
def service_list():
    listed = services.services_of(current_user)
    return render_template(
        "catalogue/editor/services.html",
        services=listed,
        progress={s.id: services.referencing_progress(s) for s in listed},
    )


@bp.route("/services/nouveau", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def new_service():
    organisations = organisations_of(current_user)
    if not organisations:
        abort(403)
    if request.method == "GET":
        values = {"organisation_id": str(organisations[0].id)}
        return _service_form(values, {}, organisations=organisations)
    page = partial(_service_form, _form_values(request.form), organisations=organisations)
    with _shown_on(page):
        chosen = request.form.get("organisation_id")
        default = organisations[0] if len(organisations) == 1 and not chosen else None
        organisation = next((o for o in organisations if str(o.id) == chosen), default)
        data, errors = parse_form(ServiceSchema(), request.form)
        if organisation is None:
            message = _("Choisissez une organisation.")
            raise InvalidForm({**errors, **field_error("organisation_id", message)})
        if errors:
            raise InvalidForm(errors)
        service, client, secret = services.create_service(current_user, organisation, data)
    flash(_("Le service est créé, avec ses identifiants de bac à sable."), "success")
    return _sandbox_page(service, client, secret=secret, status=201)


@bp.route("/services/<int:service_id>")
@requires(can_use_editor_portal)
def service(service_id: int):
    service = _service_or_404(service_id)
    return _service_page(service)


def _service_page(service, *, errors=None, status=200):
    return render_template(
        "catalogue/editor/service.html",
        service=service,
        client=services.sandbox_client(service),
        production_clients=services.production_clients(service),
        hosting=hosting_on(service),
        todo=services.service_todo(service),
        listing_review=_listing_review(service),
        errors=errors or {},
        Category=Category,
        Platform=Platform,
        Audience=Audience,
        PriceModel=PriceModel,
    ), status


@bp.route("/services/<int:service_id>/modifier", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def edit_service(service_id: int):
    service = _service_or_404(service_id)
    page = partial(_service_form, service=service, organisation=service.organisation)
    if request.method == "GET":
        values = {key: getattr(service, key) for key in services.SERVICE_FIELDS}
        pending = listing_changes.pending_listing_change(service)
        return page({**values, **(pending.fields if pending else {}), "slug": service.slug}, {})
    with _shown_on(lambda errors: page(_form_values(request.form), errors)):
        outcome = services.update_service(current_user, service, validated(ServiceSchema()))
    message = _("Le service est enregistré.")
    if outcome is not None and outcome.proposal is not None:
        message = _(
            "Votre modification est enregistrée : un agent l'examinera avant sa publication."
        )
    return saved(message, url_for(".service", service_id=service.id))


@bp.route("/services/<int:service_id>/logo", methods=["POST"])
@requires(can_use_editor_portal)
def logo(service_id: int):
    service = _service_or_404(service_id)
    upload = request.files.get("logo")
    data = upload.stream.read(services.LOGO_MAX_BYTES + 1) if upload else b""
    with _shown_on(lambda errors: _service_page(service, errors=errors)):
        filename = upload.filename if upload else ""
        previous = services.store_logo(current_user, service, filename, data)
    after_commit(lambda: services.delete_logo_file(previous))  # the new logo is in place
    return saved(_("Le logo est enregistré."), url_for(".service", service_id=service.id))


@bp.route("/services/<int:service_id>/logo", methods=["GET"])
def logo_image(service_id: int):
    """A service's logo: to its editors and agents, and to everyone once it is listed."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    public = logo_is_public(service)
    if not public and not policies.can_view_service_internals(current_user, service):
        abort(404)
    response = logo_response(service, public=public)
    if response is None:
        abort(404)
    return response


# --- sandbox client ---------------------------------------------------------------------


def _sandbox_page(service, client, *, secret=None, errors=None, values=None, status=200):
    return _private_page(
        "catalogue/editor/sandbox.html",
        status,
        service=service,
        client=client,
        secret=secret,
        errors=errors or {},
        values=values,
        AuthMethod=AuthMethod,
        scopes=services.SANDBOX_SCOPE_CEILING.split(),
        runs=services.conformance_runs_of(service),
        now=utcnow(),
    )


@bp.route("/services/<int:service_id>/bac-a-sable", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def sandbox(service_id: int):
    service = _service_or_404(service_id)
    client = services.sandbox_client(service)
    if request.method == "GET":
        return _sandbox_page(service, client)
    if client is None:
        client, secret = services.create_sandbox_client(current_user, service)
        flash(_("Les identifiants de bac à sable sont créés."), "success")
        return _sandbox_page(service, client, secret=secret, status=201)
    values = request.form.to_dict()
    with refusals_shown_on(
        lambda errors: _sandbox_page(service, client, errors=errors, values=values)
    ):
        data = validated(ClientSettingsSchema())
    secret = services.configure_sandbox_client(
        current_user, client, auth_method=data["auth_method"], redirect_uris=data["redirect_uris"]
    )
    flash(_("Les réglages du client sont enregistrés."), "success")
    if secret:
        return _sandbox_page(service, client, secret=secret)
    return redirect(url_for(".sandbox", service_id=service.id))


def _confirm_secret_page(service, back: str):
    """Ask before a secret is replaced: the application in use stops working at once."""
    return _private_page(
        "catalogue/editor/confirm_secret.html",
        service=service,
        action=request.path,
        back=back,
        confirm_label=_("Générer un nouveau secret"),
        consequences=[
            _("Le secret actuel cesse de fonctionner immédiatement."),
            _(
                "Votre application ne pourra plus obtenir de jeton tant que vous n'y "
                "aurez pas enregistré le nouveau secret."
            ),
            _("Le nouveau secret ne sera affiché qu'une seule fois : copiez-le aussitôt."),
        ],
    )


@bp.route("/services/<int:service_id>/bac-a-sable/secret", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def regenerate_secret(service_id: int):
    service = _service_or_404(service_id)
    client = services.sandbox_client(service)
    if client is None:
        abort(404)
    if request.method == "GET":
        return _confirm_secret_page(service, url_for(".sandbox", service_id=service.id))
    with _shown_on(lambda errors: _sandbox_page(service, client, errors=errors)):
        secret = services.regenerate_secret(current_user, client)
    flash(_("Nouveau secret généré : l'ancien ne fonctionne plus."), "success")
    return _sandbox_page(service, client, secret=secret)


# --- sandbox conformance runs --------------------------------------------------------------


def _run_or_404(service, run_id: int):
    run = services.conformance_run_of(service, run_id)
    if run is None:
        abort(404)
    return run


def _refused(error: Exception, url: str):
    roll_back()
    return saved(str(error), url, category="error")


@bp.route("/services/<int:service_id>/bac-a-sable/essais", methods=["POST"])
@requires(can_use_editor_portal)
def start_conformance_run(service_id: int):
    service = _service_or_404(service_id)
    hours = request.form.get("hours", "24")
    back = url_for(".sandbox", service_id=service.id)
    try:
        run = services.start_conformance_run(
            current_user, service, hours=int(hours) if hours.isdigit() else 0
        )
    except conformance.ConformanceError as error:
        return _refused(error, back)
    return saved(
        _("Essai de conformité ouvert : utilisez maintenant votre application en bac à sable."),
        url_for(".conformance_run", service_id=service.id, run_id=run.id),
    )


@bp.route("/services/<int:service_id>/bac-a-sable/essais/<int:run_id>")
@requires(can_use_editor_portal)
def conformance_run(service_id: int, run_id: int):
    service = _service_or_404(service_id)
    run = _run_or_404(service, run_id)
    finished = conformance.is_finished(run)
    return _private_page(
        "catalogue/editor/conformance_run.html",
        service=service,
        run=run,
        finished=finished,
        events=conformance.event_count(run),
        verdicts=conformance.evaluate_run(run) if finished else [],
        locale=str(get_locale() or "fr"),
    )


@bp.route("/services/<int:service_id>/bac-a-sable/essais/<int:run_id>/retrait", methods=["POST"])
@requires(can_use_editor_portal)
def withdraw_test_consent(service_id: int, run_id: int):
    service = _service_or_404(service_id)
    run = _run_or_404(service, run_id)
    back = url_for(".conformance_run", service_id=service.id, run_id=run.id)
    try:
        conformance.withdraw_test_consent(current_user, run)
    except conformance.ConformanceError as error:
        return _refused(error, back)
    return saved(_("Le consentement du titulaire fictif est retiré."), back)


@bp.route("/services/<int:service_id>/bac-a-sable/essais/<int:run_id>/arret", methods=["POST"])
@requires(can_use_editor_portal)
def stop_conformance_run(service_id: int, run_id: int):
    service = _service_or_404(service_id)
    run = _run_or_404(service, run_id)
    conformance.stop_run(current_user, run)
    return saved(
        _("Essai terminé : voici le rapport."),
        url_for(".conformance_run", service_id=service.id, run_id=run.id),
    )


# --- production clients -----------------------------------------------------------------


def _production_page(service, *, secret=None, secret_for=None, errors=None, status=200):
    return _private_page(
        "catalogue/editor/production.html",
        status,
        service=service,
        clients=services.production_clients(service),
        secret=secret,
        secret_for=secret_for,
        errors=errors or {},
        AuthMethod=AuthMethod,
    )


@bp.route("/services/<int:service_id>/production")
@requires(can_use_editor_portal)
def production(service_id: int):
    return _production_page(_service_or_404(service_id))


@bp.route("/services/<int:service_id>/production/<int:client_pk>/secret", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def regenerate_production_secret(service_id: int, client_pk: int):
    service = _service_or_404(service_id)
    client = services.production_client(service, client_pk)
    if client is None:
        abort(404)
    if request.method == "GET":
        return _confirm_secret_page(service, url_for(".production", service_id=service.id))
    with _shown_on(lambda errors: _production_page(service, errors=errors)):
        secret = services.regenerate_secret(current_user, client)
    flash(_("Nouveau secret de production généré : l'ancien ne fonctionne plus."), "success")
    return _production_page(service, secret=secret, secret_for=client.id)


# --- hosting ----------------------------------------------------------------------------


@bp.route("/services/<int:service_id>/hebergement", methods=["GET", "POST"])
@requires(can_use_editor_portal)
def hosting(service_id: int):
    service = _service_or_404(service_id)
    return _declaration_form(
        HostingSchema(),
        lambda data: services.declare_hosting(current_user, service, data),
        _("La déclaration d'hébergement est enregistrée."),
        url_for(".hosting", service_id=service.id),
        lambda errors, values: _hosting_page(service, errors, values),
    )


def _hosting_page(service, errors, values):
    history = services.hosting_history(service)
    return render_template(
        "catalogue/editor/hosting.html",
        service=service,
        history=history,
        open_rows=services.open_declarations(history),
        in_force=hosting_on(service),
        errors=errors,
        values=values,
        countries=country_choices(str(get_locale() or "fr")),
    ), (400 if errors else 200)


@bp.route("/services/<int:service_id>/hebergement/<int:declaration_id>/fin", methods=["POST"])
@requires(can_use_editor_portal)
def end_hosting(service_id: int, declaration_id: int):
    service = _service_or_404(service_id)
    declaration = db.session.get(HostingDeclaration, declaration_id)
    if declaration is None or declaration.service_id != service.id:
        abort(404)
    return _end_declaration(
        lambda on: services.end_hosting(current_user, service, declaration, on),
        url_for(".hosting", service_id=service.id),
        lambda errors: _hosting_page(service, errors, {}),
    )
