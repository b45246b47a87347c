"""Editor portal services: organisation record, invitations, services and their sandbox
client, logos, and the hosting and owner declarations (history kept, never overwritten).

Every function takes the acting editor explicitly, flushes and never commits; views check
the policies of ``catalogue.policies`` before calling them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from authz import services as authz
from authz.conformance import services as conformance
from authz.models import AuthMethod, Client, ClientKind
from catalogue import listing_changes
from catalogue.editor.models import Invitation
from catalogue.logos import LOGO_TYPES, logo_file  # noqa: F401 (logo_file: re-exported)
from catalogue.models import (
    HostingDeclaration,
    MemberRole,
    Organisation,
    OrganisationMember,
    OwnerDeclaration,
    Service,
    ServiceStatus,
)
from catalogue.services import hosting_on, is_member, owners_on
from ens_core import signals
from ens_core.accounts.models import Role, User
from ens_core.accounts.services import find_user_by_email, grant_role
from ens_core.audit.services import record_event
from ens_core.db import db, unique_or_refused, utcnow
from ens_core.i18n import local_date
from ens_core.notifications.services import notify
from ens_core.providers import Slot
from ens_core.security import hash_secret, new_secret
from ens_core.signals import declaration_recorded

SANDBOX_SCOPE_CEILING = (
    "patient/Observation.rs patient/Observation.cu patient/DocumentReference.rs "
    "patient/DocumentReference.c patient/Appointment.rs patient/Appointment.cud "
    "patient/Patient.r openid fhirUser offline_access launch/patient"
)
INVITATION_LIFETIME = timedelta(days=7)
LOGO_MAX_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# What an editor may change of its organisation (the edit form's fields).
ORGANISATION_FIELDS = (
    "legal_name",
    "siren",
    "foreign_registration",
    "country",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
)


@dataclass(frozen=True)
class NextStep:
    label: str
    url: str


@dataclass(frozen=True)
class DossierStage:
    """One stage of a dossier's way to a decision: ``status`` is "done", "current" or
    "upcoming"; ``on`` is when it ended (done) or when it should end (otherwise)."""

    label: str
    status: str
    on: date | None = None


@dataclass(frozen=True)
class OpenRequest:
    """An information request the editor must answer, by ``deadline``."""

    service_name: str
    questions: str
    deadline: date
    url: str
    overdue: bool = False


@dataclass(frozen=True)
class ReferencingProgress:
    """Where a service stands towards referencing: the editor's next ``step``; with a
    dossier, its ``state`` (in words), whether it is ``under_way`` (open), whether the
    editor has something to do
    (``editor_acts``), the open information ``requests`` and the ``stages`` with dates."""

    step: NextStep
    state: str | None = None
    under_way: bool = False
    editor_acts: bool = True
    requests: tuple[OpenRequest, ...] = ()
    stages: tuple[DossierStage, ...] = ()


@runtime_checkable
class ReferencingStep(Protocol):
    """Where the editor files or follows the referencing dossier of a service, and where
    that dossier stands. Dossiers belong to review (a higher layer), which provides this
    in its ``init_app``; the catalogue never reads review's tables."""

    def __call__(self, service: Service) -> ReferencingProgress: ...


REFERENCING_STEP = Slot("referencing step", ReferencingStep)


@runtime_checkable
class DeclaredScopes(Protocol):
    """The SMART scopes a service declared in its referencing dossier's data uses (what a
    sandbox conformance run checks the app asks for no more than). Provided by review."""

    def __call__(self, service: Service) -> list[str]: ...


DECLARED_SCOPES = Slot("declared data uses", DeclaredScopes)


class EditorError(ValueError):
    """A check made after validation failed; ``field`` names the form field to flag."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# --- organisation -----------------------------------------------------------------------


def _siren_taken(siren: str, exclude_id: int | None = None) -> bool:
    query = select(Organisation.id).where(Organisation.siren == siren)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _siren_refused() -> EditorError:
    return EditorError("siren", _("Une autre organisation est déjà inscrite avec ce SIREN."))


def _slug_refused() -> EditorError:
    return EditorError("slug", _("Cet identifiant d'adresse est déjà pris."))


def update_organisation(editor: User, organisation: Organisation, data: dict) -> None:
    siren = data.get("siren")
    if siren and _siren_taken(siren, exclude_id=organisation.id):
        raise _siren_refused()
    # Two editors may send the same SIREN at once: the unique constraint decides.
    with unique_or_refused(_siren_refused):
        for key in ORGANISATION_FIELDS:
            setattr(organisation, key, data.get(key))
    record_event(editor, "organisation.update", "organisation", organisation.id)
    db.session.flush()


def members_of(organisation: Organisation) -> list[tuple[OrganisationMember, User]]:
    return list(
        db.session.execute(
            select(OrganisationMember, User)
            .join(User, User.id == OrganisationMember.user_id)
            .where(OrganisationMember.organisation_id == organisation.id)
            .order_by(User.name)
        ).all()
    )


# --- invitations ------------------------------------------------------------------------


def invite_colleague(
    editor: User, organisation: Organisation, email: str, *, now: datetime | None = None
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the token in clear (for the link, shown once).

    An earlier pending invitation to the same address is revoked: one live link per person.
    """
    now = now or utcnow()
    email = email.strip().lower()
    existing_user = find_user_by_email(email)
    if existing_user is not None and is_member(existing_user, organisation):
        raise EditorError("email", _("Cette personne est déjà membre de l'organisation."))
    for invitation in pending_invitations(organisation, now=now):
        if invitation.email == email:
            invitation.revoked_at = now
    token = new_secret(32)
    invitation = Invitation(
        organisation_id=organisation.id,
        email=email,
        token_hash=hash_secret(token),
        invited_by_id=editor.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(editor, "organisation.invite", "organisation", organisation.id, email=email)
    if existing_user is not None:
        # The link in the notification leads to the list of invitations addressed to
        # the user's email: the token itself is never stored in clear.
        notify(
            existing_user,
            "editor.invitation",
            _("Invitation à rejoindre %(name)s", name=organisation.legal_name),
            _("%(who)s vous invite dans l'espace éditeur.", who=editor.name),
            url_for("editor_portal.my_invitations"),
        )
    return invitation, token


def invitation_link(token: str) -> str:
    return url_for("editor_portal.invitation", token=token, _external=True)


def pending_invitations(organisation: Organisation, *, now: datetime | None = None):
    return _pending_invitations(Invitation.organisation_id == organisation.id, now)


def invitations_for(user: User, *, now: datetime | None = None) -> list[Invitation]:
    """Pending invitations addressed to ``user``'s email (accepted without the link)."""
    return _pending_invitations(Invitation.email == user.email, now)


def _pending_invitations(condition, now: datetime | None) -> list[Invitation]:
    """The invitations matching ``condition`` neither accepted, revoked nor expired, oldest
    first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                condition,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > (now or utcnow()),
            )
            .order_by(Invitation.created_at)
        )
    )


def find_invitation(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The pending invitation behind a link, or None (unknown, used, revoked or expired)."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_secret(token))
    )
    if invitation is None or not invitation.is_pending(now or utcnow()):
        return None
    return invitation


def accept_invitation(user: User, invitation: Invitation, *, now: datetime | None = None) -> None:
    """``user`` joins the organisation as a member with the editor role; the link is spent."""
    now = now or utcnow()
    if not invitation.is_pending(now):
        raise EditorError("_schema", _("Cette invitation n'est plus valable."))
    if user.email != invitation.email:
        raise EditorError(
            "_schema",
            _("Cette invitation a été envoyée à une autre adresse électronique."),
        )
    if not is_member(user, invitation.organisation):
        db.session.add(
            OrganisationMember(
                organisation_id=invitation.organisation_id,
                user_id=user.id,
                role=MemberRole.MEMBER,
            )
        )
    grant_role(user, Role.EDITOR)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    record_event(
        user, "organisation.join", "organisation", invitation.organisation_id, via="invitation"
    )


def revoke_invitation(editor: User, invitation: Invitation, *, now: datetime | None = None):
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
        db.session.flush()
        record_event(
            editor,
            "organisation.invitation_revoke",
            "organisation",
            invitation.organisation_id,
            email=invitation.email,
        )


# --- services ---------------------------------------------------------------------------

SERVICE_FIELDS = (
    "name",
    "short_description",
    "long_description",
    "short_description_en",
    "long_description_en",
    "categories",
    "platforms",
    "audiences",
    "price_model",
    "website_url",
    "privacy_policy_url",
    "accessibility_statement_url",
)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].strip("-") or "service"


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(Service.id).where(Service.slug == slug)
    if exclude_id is not None:
        query = query.where(Service.id != exclude_id)
    return db.session.scalar(query) is not None


def unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while _slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def services_of(user: User) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .join(OrganisationMember, OrganisationMember.organisation_id == Service.organisation_id)
            .where(OrganisationMember.user_id == user.id)
            .order_by(Service.name)
        )
    )


def create_service(
    editor: User, organisation: Organisation, data: dict, *, sandbox_client: dict | None = None
) -> tuple[Service, Client, str | None]:
    """Declare a draft service and give it its sandbox client at once; returns the
    client's secret in clear (shown once). ``sandbox_client`` passes options to
    :func:`create_sandbox_client` (the demo data gives documented credentials)."""
    slug = data.get("slug")
    if slug and _slug_taken(slug):
        raise _slug_refused()
    service = Service(
        organisation_id=organisation.id,
        slug=slug or unique_slug(data["name"]),
        status=ServiceStatus.DRAFT,
        **{key: data.get(key) for key in SERVICE_FIELDS},
    )
    # Two services of the same slug (or name) may be sent at once: the constraint decides.
    with unique_or_refused(_slug_refused):
        db.session.add(service)
    record_event(editor, "service.create", "service", service.id, slug=service.slug)
    client, secret = create_sandbox_client(editor, service, **(sandbox_client or {}))
    return service, client, secret


def update_service(
    editor: User, service: Service, data: dict
) -> listing_changes.EditOutcome | None:
    """Save the listing form. A draft changes at once; a published listing goes through
    :func:`catalogue.listing_changes.propose_listing_change` (returned)."""
    slug = data.get("slug") or service.slug
    if slug != service.slug:
        if service.status is not ServiceStatus.DRAFT:
            raise EditorError(
                "slug",
                _(
                    "L'adresse d'un service publié ne change plus : ses liens doivent rester valides."
                ),
            )
        if _slug_taken(slug, exclude_id=service.id):
            raise _slug_refused()
        with unique_or_refused(_slug_refused):
            service.slug = slug
    if listing_changes.is_reviewed(service):
        # Published: harmless fields at once, the rest once an agent accepts them.
        return listing_changes.propose_listing_change(editor, service, data)
    for key in SERVICE_FIELDS:
        setattr(service, key, data.get(key))
    record_event(editor, "service.update", "service", service.id)
    db.session.flush()
    return None


# --- sandbox client ---------------------------------------------------------------------


def sandbox_client(service: Service) -> Client | None:
    return next(
        (c for c in authz.clients_of_service(service) if c.kind is ClientKind.SANDBOX), None
    )


def production_clients(service: Service) -> list[Client]:
    """The production clients a referencing decision created for ``service`` (read-only
    for the editor, except their secret)."""
    return [c for c in authz.clients_of_service(service) if c.kind is ClientKind.PRODUCTION]


def production_client(service: Service, client_pk: int) -> Client | None:
    """One of ``service``'s production clients, or None (another service's, or sandbox)."""
    return next((c for c in production_clients(service) if c.id == client_pk), None)


def create_sandbox_client(
    editor: User,
    service: Service,
    *,
    redirect_uris: list[str] | None = None,
    auth_method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[Client, str | None]:
    client, plain = authz.create_client(
        service,
        kind=ClientKind.SANDBOX,
        name=f"{service.name} (bac à sable)",
        redirect_uris=redirect_uris or [],
        scope_ceiling=SANDBOX_SCOPE_CEILING,
        auth_method=auth_method,
        client_id=client_id,
        secret=secret,
    )
    record_event(editor, "client.create", "service", service.id, client_id=client.client_id)
    return client, plain


def configure_sandbox_client(
    editor: User, client: Client, *, auth_method: AuthMethod, redirect_uris: list[str]
) -> str | None:
    """Set the redirect URIs and the client type; returns a new secret in clear when the
    client becomes confidential."""
    authz.set_redirect_uris(client, redirect_uris)
    secret = authz.set_client_auth_method(client, auth_method)
    record_event(
        editor,
        "client.configure",
        "service",
        client.service_id,
        client_id=client.client_id,
        auth_method=str(auth_method),
        redirect_uris=list(redirect_uris),
    )
    return secret


def regenerate_secret(editor: User, client: Client) -> str:
    if client.token_endpoint_auth_method is not AuthMethod.CLIENT_SECRET_BASIC:
        raise EditorError("_schema", _("Un client public (PKCE) n'a pas de secret."))
    secret = authz.rotate_client_secret(client)
    record_event(
        editor, "client.secret_rotate", "service", client.service_id, client_id=client.client_id
    )
    return secret


# --- logos ------------------------------------------------------------------------------

_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "image",
    "feimage",
}
_HREF_ATTRIBUTES = {"href", "{http://www.w3.org/1999/xlink}href"}
_CSS_EXTERNAL = re.compile(r"@import|url\(\s*['\"]?\s*(?!#)|expression\(|javascript:", re.I)


class LogoError(EditorError):
    def __init__(self, message: str):
        super().__init__("logo", message)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _check_svg(data: bytes) -> None:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise LogoError(_("Le fichier n'est ni une image PNG ni une image SVG valide.")) from None
    if root.tag != f"{_SVG_NS}svg":
        raise LogoError(_("Le fichier n'est ni une image PNG ni une image SVG valide."))
    for element in root.iter():
        name = _local(element.tag)
        if name in _FORBIDDEN_ELEMENTS:
            raise LogoError(
                _(
                    "Le SVG contient un élément interdit (%(name)s).",
                    name=element.tag.split("}")[-1],
                )
            )
        if name == "style" and element.text and _CSS_EXTERNAL.search(element.text):
            raise LogoError(_("Le SVG fait référence à une ressource externe."))
        for attribute, value in element.attrib.items():
            attr = _local(attribute)
            if attr.startswith("on"):
                raise LogoError(
                    _("Le SVG contient un gestionnaire d'événement (%(name)s).", name=attr)
                )
            if attribute in _HREF_ATTRIBUTES and not value.strip().startswith("#"):
                raise LogoError(_("Le SVG fait référence à une ressource externe."))
            if attr == "attributename" and value.strip().lower().endswith("href"):
                raise LogoError(_("Le SVG fait référence à une ressource externe."))
            if _CSS_EXTERNAL.search(value):
                raise LogoError(_("Le SVG fait référence à une ressource externe."))


def _check_png(data: bytes) -> None:
    """Walk the chunks: IHDR first, every CRC right, IEND last, nothing after it."""
    damaged = LogoError(_("Le fichier PNG est endommagé."))
    offset, first = len(PNG_MAGIC), True
    while True:
        if offset + 12 > len(data):
            raise damaged
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(data) or (first and (kind != b"IHDR" or length != 13)):
            raise damaged
        body = data[offset + 4 : offset + 8 + length]
        if zlib.crc32(body) != int.from_bytes(data[end - 4 : end], "big"):
            raise damaged
        if first:
            width = int.from_bytes(data[offset + 8 : offset + 12], "big")
            height = int.from_bytes(data[offset + 12 : offset + 16], "big")
            if not (0 < width <= 4096 and 0 < height <= 4096):
                raise LogoError(_("Le logo doit mesurer au plus 4096 × 4096 pixels."))
        first = False
        offset = end
        if kind == b"IEND":
            if offset != len(data):
                raise damaged
            return


def check_logo(filename: str, data: bytes) -> str:
    """The logo's kind ("png" or "svg"), judged by content; raises :class:`LogoError`."""
    if not data:
        raise LogoError(_("Choisissez un fichier."))
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError(_("Le logo dépasse 512 Ko."))
    extension = Path(filename or "").suffix.lower().lstrip(".")
    if extension not in LOGO_TYPES:
        raise LogoError(_("Le logo doit être un fichier PNG ou SVG."))
    if data.startswith(PNG_MAGIC):
        _check_png(data)
        kind = "png"
    else:
        _check_svg(data)
        kind = "svg"
    if kind != extension:
        raise LogoError(
            _(
                "Le contenu du fichier (%(kind)s) ne correspond pas à son extension.",
                kind=kind.upper(),
            )
        )
    return kind


def _logo_dir() -> Path:
    return Path(current_app.config["ENS_DATA_DIR"]) / "logos"


def store_logo(editor: User, service: Service, filename: str, data: bytes) -> str | None:
    """Check and store a logo outside the web root; returns the previous file's relative
    path (for the caller to delete once the transaction is committed)."""
    kind = check_logo(filename, data)
    directory = _logo_dir()
    directory.mkdir(parents=True, exist_ok=True)
    relative = f"logos/{service.id}-{new_secret(12)}.{kind}"
    (Path(current_app.config["ENS_DATA_DIR"]) / relative).write_bytes(data)
    previous = service.logo_path
    service.logo_path = relative
    record_event(editor, "service.logo", "service", service.id, kind=kind, size=len(data))
    if listing_changes.is_reviewed(service):
        listing_changes.record_published_change(service, ["logo"])
    db.session.flush()
    return previous


def delete_logo_file(relative: str | None) -> None:
    if not relative:
        return
    base = Path(current_app.config["ENS_DATA_DIR"]).resolve()
    path = (base / relative).resolve()
    if base in path.parents and path.is_file():
        path.unlink()


# --- declarations -----------------------------------------------------------------------


def _announce(services, declaration) -> None:
    """Send ``declaration_recorded``: the sovereignty rules evaluate the services it
    concerns at once, in this transaction."""
    signals.send(declaration_recorded, services=list(services), declaration=declaration)


def _record_declaration(editor, declaration, replaced, event: tuple, concerned):
    """Store a new hosting or owner declaration; ``event`` is (action, target type, target
    id) of the audit event; the ``concerned`` services are evaluated at once."""
    db.session.add(declaration)
    db.session.flush()
    record_event(
        editor,
        *event,
        declaration=declaration.id,
        country=declaration.country,
        replaces=getattr(replaced, "id", None),
    )
    _announce(concerned, declaration)
    return declaration


def _end_declaration(editor, declaration, owned: bool, on: date, event: tuple, concerned):
    """Close a declaration (of the editor's own service or organisation: ``owned``) on
    ``on`` without a successor."""
    if not owned or declaration.effective_to is not None:
        raise EditorError("_schema", _("Cette déclaration est déjà close."))
    if on <= declaration.effective_from:
        raise EditorError("effective_to", _("La date de fin doit suivre la date d'effet."))
    declaration.effective_to = on
    db.session.flush()
    record_event(editor, *event, declaration=declaration.id)
    _announce(concerned, declaration)


def _close_replaced(model, replaces_id, owner_filter, effective_from: date):
    if replaces_id is None:
        return None
    current = db.session.get(model, replaces_id)
    if current is None or not owner_filter(current) or current.effective_to is not None:
        raise EditorError(
            "replaces_id", _("La déclaration à remplacer n'existe pas ou est déjà close.")
        )
    if effective_from <= current.effective_from:
        raise EditorError(
            "effective_from",
            _(
                "La nouvelle déclaration doit prendre effet après le %(date)s, début de celle qu'elle remplace.",
                date=current.effective_from.strftime("%d/%m/%Y"),
            ),
        )
    current.effective_to = effective_from
    return current


def declare_hosting(editor: User, service: Service, data: dict) -> HostingDeclaration:
    """Declare a hosting location; with ``replaces_id`` the current declaration it
    replaces is closed (``effective_to``) on the new one's ``effective_from``."""
    replaced = _close_replaced(
        HostingDeclaration,
        data.get("replaces_id"),
        lambda row: row.service_id == service.id,
        data["effective_from"],
    )
    declaration = HostingDeclaration(
        service_id=service.id,
        provider=data["provider"],
        country=data["country"],
        hds_certificate_number=data.get("hds_certificate_number"),
        hds_certificate_expiry=data.get("hds_certificate_expiry"),
        effective_from=data["effective_from"],
        declared_by_id=getattr(editor, "id", None),
    )
    return _record_declaration(
        editor, declaration, replaced, ("service.hosting_declare", "service", service.id), [service]
    )


def end_hosting(editor: User, service: Service, declaration: HostingDeclaration, on: date):
    """Close a hosting location that is not replaced (e.g. a second site is dropped)."""
    _end_declaration(
        editor,
        declaration,
        declaration.service_id == service.id,
        on,
        ("service.hosting_end", "service", service.id),
        [service],
    )


def declare_owner(editor: User, organisation: Organisation, data: dict) -> OwnerDeclaration:
    """Declare a controlling owner; with ``replaces_id`` the current declaration it
    replaces is closed on the new one's ``effective_from``. Shares in force may not
    exceed 100 %."""
    on = data["effective_from"]
    others = [
        row
        for row in owners_on(organisation, on) + owners_on(organisation)
        if row.id != data.get("replaces_id")
    ]
    total = sum({row.id: row.share_percent for row in others}.values())
    if total + data["share_percent"] > 100.0001:
        raise EditorError(
            "share_percent",
            _(
                "Les parts déclarées dépasseraient 100 %% (%(total)s %% déjà déclarés).",
                total=f"{total:g}",
            ),
        )
    replaced = _close_replaced(
        OwnerDeclaration,
        data.get("replaces_id"),
        lambda row: row.organisation_id == organisation.id,
        on,
    )
    declaration = OwnerDeclaration(
        organisation_id=organisation.id,
        entity_name=data["entity_name"],
        entity_siren=data.get("entity_siren"),
        parent_group=data.get("parent_group"),
        country=data["country"],
        share_percent=data["share_percent"],
        declared_control=bool(data.get("declared_control")),
        effective_from=on,
        declared_by_id=getattr(editor, "id", None),
    )
    return _record_declaration(
        editor,
        declaration,
        replaced,
        ("organisation.owner_declare", "organisation", organisation.id),
        organisation.services,
    )


def end_owner(editor: User, organisation: Organisation, declaration: OwnerDeclaration, on: date):
    """Close an owner declaration without a successor (the owner sold its shares)."""
    _end_declaration(
        editor,
        declaration,
        declaration.organisation_id == organisation.id,
        on,
        ("organisation.owner_end", "organisation", organisation.id),
        organisation.services,
    )


def hosting_history(service: Service) -> list[HostingDeclaration]:
    return list(
        db.session.scalars(
            select(HostingDeclaration)
            .where(HostingDeclaration.service_id == service.id)
            .order_by(HostingDeclaration.effective_from.desc(), HostingDeclaration.id.desc())
        )
    )


def owner_history(organisation: Organisation) -> list[OwnerDeclaration]:
    return list(
        db.session.scalars(
            select(OwnerDeclaration)
            .where(OwnerDeclaration.organisation_id == organisation.id)
            .order_by(OwnerDeclaration.effective_from.desc(), OwnerDeclaration.id.desc())
        )
    )


def open_declarations(rows) -> list:
    """Declarations not closed yet (in force, or taking effect later)."""
    return [row for row in rows if row.effective_to is None]


# --- home -------------------------------------------------------------------------------


def listing_steps(service: Service, *, today: date | None = None) -> list[NextStep]:
    """What the listing itself still needs (hosting, certificate, logo, redirect URIs)."""
    today = today or date.today()
    steps = []
    hosting = hosting_on(service, today)
    if not hosting:
        steps.append(
            NextStep(
                str(_l("Déclarer l'hébergement des données de santé")),
                url_for("editor_portal.hosting", service_id=service.id),
            )
        )
    for row in hosting:
        if row.hds_certificate_expiry and row.hds_certificate_expiry <= today + timedelta(days=60):
            steps.append(
                NextStep(
                    str(
                        _l(
                            "Renouveler le certificat HDS de %(provider)s (expire le %(date)s)",
                            provider=row.provider,
                            date=local_date(row.hds_certificate_expiry),
                        )
                    ),
                    url_for("editor_portal.hosting", service_id=service.id),
                )
            )
    if not service.logo_path:
        steps.append(
            NextStep(
                str(_l("Ajouter un logo")), url_for("editor_portal.service", service_id=service.id)
            )
        )
    client = sandbox_client(service)
    if client is None or not client.redirect_uris:
        steps.append(
            NextStep(
                str(_l("Enregistrer les adresses de redirection du bac à sable")),
                url_for("editor_portal.sandbox", service_id=service.id),
            )
        )
    return steps


def next_steps(service: Service, *, today: date | None = None) -> list[NextStep]:
    """What the editor should do next for ``service``, most urgent first, then the dossier
    to follow and what the listing lacks (one list: see :func:`service_todo`)."""
    todo = service_todo(service, today=today)
    return [*todo.actions, *([todo.follow] if todo.follow else []), *todo.listing]


@dataclass(frozen=True)
class ServiceTodo:
    """A service on the editor's home: where its referencing stands, what the editor must
    do (``actions``, most urgent first), what the listing still lacks (``listing``) and,
    while the authority acts, the dossier to follow (``follow``)."""

    service: Service
    progress: ReferencingProgress
    actions: list[NextStep]
    listing: list[NextStep]
    follow: NextStep | None


def service_todo(service: Service, *, today: date | None = None) -> ServiceTodo:
    progress = referencing_progress(service)
    listing = listing_steps(service, today=today)
    answers = [NextStep(request_label(r), r.url) for r in progress.requests]
    follow = None
    if service.status is not ServiceStatus.DRAFT:
        actions, listing = [*answers, *listing], []
    elif not progress.under_way:  # complete the listing, then file a dossier
        actions, listing = [*answers, *(listing or [progress.step])], []
    elif progress.editor_acts:
        actions = [*answers, progress.step]
    else:
        actions, follow = answers, progress.step
    return ServiceTodo(service, progress, actions, listing, follow)


def request_label(request: OpenRequest) -> str:
    return str(
        _l(
            "Répondre à la demande de compléments avant le %(date)s",
            date=local_date(request.deadline),
        )
    )


def referencing_progress(service: Service) -> ReferencingProgress:
    """Where ``service`` stands towards referencing (review answers)."""
    found = REFERENCING_STEP.get()(service)
    if isinstance(found, tuple):  # a provider that only knows the next step
        return ReferencingProgress(NextStep(*found))
    return found


def referencing_step(service: Service) -> NextStep:
    """The step towards referencing: the open dossier, or the page that opens one."""
    return referencing_progress(service).step


# --- sandbox conformance runs ---------------------------------------------------------------


def start_conformance_run(editor: User, service: Service, *, hours: int):
    """Open a conformance run for the service's sandbox client, checking the scopes its
    dossier declares (none declared yet: every scope is outside the declaration)."""
    client = sandbox_client(service)
    if client is None:
        raise conformance.ConformanceError(_l("Créez d'abord les identifiants de bac à sable."))
    declared = DECLARED_SCOPES.get()(service)
    return conformance.start_run(editor, client, declared_scopes=declared, hours=hours)


def conformance_run_of(service: Service, run_id: int):
    """One of ``service``'s runs, or None (another service's)."""
    run = conformance.get_run(run_id)
    return run if run is not None and run.service_id == service.id else None


def conformance_runs_of(service: Service) -> list:
    client = sandbox_client(service)
    return conformance.runs_of_client(client) if client is not None else []
