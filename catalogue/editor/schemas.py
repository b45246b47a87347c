"""Boundary schemas of the editor portal (HTML forms, through ``parse_form``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask_babel import lazy_gettext as _l
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from authz.models import AuthMethod
from catalogue.models import Audience, Category, Platform, PriceModel
from ens_core.accounts.schemas import SignupSchema
from ens_core.web.edge import Integer

# ISO 3166-1 alpha-2 codes known to CLDR (regions such as "150" and "EU", and the
# private-use or unknown codes, are left out).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
COUNTRY_CODES = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
MAX_REDIRECT_URIS = 10


def siren_is_valid(value: str) -> bool:
    """Nine digits passing the Luhn check (La Poste's historic 356000000 excepted:
    its SIREN and its establishments follow a sum-of-digits-multiple-of-5 rule)."""
    if len(value) != 9 or not value.isdigit():
        return False
    if value == "356000000":
        return True
    total = 0
    for index, char in enumerate(reversed(value)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def country_name(code: str, locale: str = "fr") -> str:
    return Locale.parse(locale).territories.get(code, code)


def country_choices(locale: str = "fr") -> list[tuple[str, str]]:
    names = Locale.parse(locale).territories
    return sorted(((c, names.get(c, c)) for c in COUNTRY_CODES), key=lambda item: item[1])


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be registered as an exact-match redirect URI, or None."""
    if len(uri) > 500:
        return str(_l("Adresse trop longue (500 caractères au plus) : %(uri)s", uri=uri[:60]))
    if "*" in uri:
        return str(_l("Les jokers (*) sont interdits : %(uri)s", uri=uri))
    if "#" in uri:
        return str(_l("Un fragment (#…) est interdit : %(uri)s", uri=uri))
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return str(_l("Adresse invalide : %(uri)s", uri=uri))
    if not host or parts.username is not None or parts.password is not None or " " in uri:
        return str(_l("Adresse invalide : %(uri)s", uri=uri))
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return None
    return str(
        _l(
            "Utilisez https://, ou http:// seulement vers 127.0.0.1, [::1] ou localhost : %(uri)s",
            uri=uri,
        )
    )


class FormSchema(Schema):
    """Strips text and drops empty fields, so that an empty optional field is None and an
    empty required field is "missing"."""

    @pre_load
    def _strip_empty(self, data, **kwargs):
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned


def _https_url(required: bool) -> fields.Url:
    presence = {"required": True} if required else {"load_default": None}
    return fields.Url(
        schemes={"https"}, require_tld=True, validate=validate.Length(max=500), **presence
    )


def _country() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.OneOf(
            COUNTRY_CODES, error=str(_l("Choisissez un pays (code ISO à deux lettres)."))
        ),
    )


class _SirenField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        value = value.replace(" ", "").replace(".", "")
        if not siren_is_valid(value):
            raise ValidationError(
                str(_l("Le SIREN doit compter 9 chiffres et être valide (clé de Luhn)."))
            )
        return value


class OrganisationSchema(FormSchema):
    legal_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    siren = _SirenField(load_default=None)
    foreign_registration = fields.String(load_default=None, validate=validate.Length(max=60))
    country = _country()
    address = fields.String(required=True, validate=validate.Length(min=5, max=500))
    contact_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    contact_email = fields.Email(required=True, validate=validate.Length(max=254))
    contact_phone = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^\+?[0-9 .()-]{6,25}$", error=str(_l("Saisissez un numéro de téléphone valide."))
        ),
    )

    @pre_load
    def _normalise(self, data, **kwargs):
        if isinstance(data.get("country"), str):
            data["country"] = data["country"].upper()
        return data

    @validates_schema
    def _registration(self, data, **kwargs):
        if data.get("country") == "FR" and not data.get("siren"):
            raise ValidationError(
                str(_l("Le SIREN est obligatoire pour une organisation établie en France.")),
                field_name="siren",
            )
        if not data.get("siren") and not data.get("foreign_registration"):
            raise ValidationError(
                str(_l("Indiquez le SIREN ou, hors de France, le numéro d'immatriculation.")),
                field_name="foreign_registration",
            )


class InvitationSchema(FormSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class InvitationSignupSchema(SignupSchema):
    """Sign-up from an invitation: the email is the invited one, set by the view."""


def _choices(enum_cls, message):
    return fields.List(
        fields.String(validate=validate.OneOf([m.value for m in enum_cls])),
        required=True,
        validate=validate.Length(min=1, error=str(message)),
    )


class ServiceSchema(FormSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    slug = fields.String(
        load_default=None,
        validate=[
            validate.Length(min=2, max=120),
            validate.Regexp(
                SLUG_PATTERN,
                error=str(
                    _l(
                        "Lettres minuscules sans accents, chiffres et tirets, par exemple mon-service."
                    )
                ),
            ),
        ],
    )
    short_description = fields.String(required=True, validate=validate.Length(min=10, max=300))
    long_description = fields.String(required=True, validate=validate.Length(min=30, max=10000))
    short_description_en = fields.String(load_default=None, validate=validate.Length(max=300))
    long_description_en = fields.String(load_default=None, validate=validate.Length(max=10000))
    categories = _choices(Category, _l("Choisissez au moins une catégorie."))
    platforms = _choices(Platform, _l("Choisissez au moins une plateforme."))
    audiences = _choices(Audience, _l("Choisissez au moins un public."))
    price_model = fields.String(
        required=True, validate=validate.OneOf([m.value for m in PriceModel])
    )
    website_url = _https_url(required=True)
    privacy_policy_url = _https_url(required=True)
    accessibility_statement_url = _https_url(required=False)

    @pre_load
    def _lower_slug(self, data, **kwargs):
        if isinstance(data.get("slug"), str):
            data["slug"] = data["slug"].strip().lower()
        for key in ("categories", "platforms", "audiences"):
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
        return data

    @post_load
    def _unique_choices(self, data, **kwargs):
        for key in ("categories", "platforms", "audiences"):
            data[key] = list(dict.fromkeys(data[key]))
        return data


class ClientSettingsSchema(FormSchema):
    auth_method = fields.String(
        required=True,
        validate=validate.OneOf([AuthMethod.NONE.value, AuthMethod.CLIENT_SECRET_BASIC.value]),
    )
    redirect_uris = fields.String(load_default="", validate=validate.Length(max=6000))

    @validates("redirect_uris")
    def _check_uris(self, value, **kwargs):
        uris = [line.strip() for line in value.splitlines() if line.strip()]
        if len(uris) > MAX_REDIRECT_URIS:
            raise ValidationError(
                str(_l("%(max)s adresses de redirection au plus.", max=MAX_REDIRECT_URIS))
            )
        problems = [p for p in (redirect_uri_problem(uri) for uri in uris) if p]
        if problems:
            raise ValidationError(problems)

    @post_load
    def _split(self, data, **kwargs):
        uris = [line.strip() for line in data.get("redirect_uris", "").splitlines()]
        data["redirect_uris"] = list(dict.fromkeys(uri for uri in uris if uri))
        data["auth_method"] = AuthMethod(data["auth_method"])
        return data


def _declaration_form(data: dict) -> dict:
    """A hosting or owner declaration's form: the country code in capitals; a new
    declaration ("new") replaces none."""
    if isinstance(data.get("country"), str):
        data["country"] = data["country"].upper()
    if data.get("replaces_id") == "new":
        data.pop("replaces_id")
    return data


class HostingSchema(FormSchema):
    provider = fields.String(required=True, validate=validate.Length(min=2, max=200))
    country = _country()
    hds_certificate_number = fields.String(load_default=None, validate=validate.Length(max=80))
    hds_certificate_expiry = fields.Date(load_default=None)
    effective_from = fields.Date(required=True)
    replaces_id = Integer(load_default=None)

    @pre_load
    def _normalise(self, data, **kwargs):
        return _declaration_form(data)

    @validates_schema
    def _certificate(self, data, **kwargs):
        number, expiry = data.get("hds_certificate_number"), data.get("hds_certificate_expiry")
        if number and not expiry:
            raise ValidationError(
                str(_l("Indiquez la date d'expiration du certificat HDS.")),
                field_name="hds_certificate_expiry",
            )
        if expiry and not number:
            raise ValidationError(
                str(_l("Indiquez le numéro du certificat HDS.")),
                field_name="hds_certificate_number",
            )


class OwnerSchema(FormSchema):
    entity_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    entity_siren = _SirenField(load_default=None)
    parent_group = fields.String(load_default=None, validate=validate.Length(max=200))
    country = _country()
    share_percent = fields.Float(
        required=True,
        validate=validate.Range(
            min=0, max=100, error=str(_l("La part doit être comprise entre 0 et 100 %."))
        ),
    )
    declared_control = fields.Boolean(load_default=False)
    effective_from = fields.Date(required=True)
    replaces_id = Integer(load_default=None)

    @pre_load
    def _normalise(self, data, **kwargs):
        if isinstance(data.get("share_percent"), str):
            data["share_percent"] = data["share_percent"].replace(",", ".").rstrip("% ")
        return _declaration_form(data)
