"""Boundary schemas for accounts: login and sign-up forms, the user CLI."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ens_core.accounts.passwords import password_problems


def _strip_lower(value: str) -> str:
    return value.strip().lower()


class LoginSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    next = fields.String(load_default=None)

    @validates("email")
    def _email_not_blank(self, value, **kwargs):
        if not value.strip():
            raise ValidationError(str(_l("Ce champ est obligatoire.")))


class NewPasswordSchema(Schema):
    """Choosing a password: the rules, checked against the account's name and e-mail
    (``name`` and ``email`` in the data), and the confirmation."""

    password = fields.String(required=True, validate=validate.Length(max=1024))
    password_confirm = fields.String(required=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_password(self, data, **kwargs):
        # Runs even when other fields are wrong: show every problem in one round trip.
        if "password" not in data:
            return
        problems = password_problems(
            data.get("password", ""), email=data.get("email", ""), name=data.get("name", "")
        )
        if problems:
            raise ValidationError(problems, field_name="password")
        if data.get("password") != data.get("password_confirm"):
            raise ValidationError(
                str(_l("Les deux mots de passe ne sont pas identiques.")),
                field_name="password_confirm",
            )


class SignupSchema(NewPasswordSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))


class ResetPasswordSchema(NewPasswordSchema):
    """The view adds the account's ``name`` and ``email`` (never taken from the form)."""

    name = fields.String(load_default="")
    email = fields.String(load_default="")


class EmailSchema(Schema):
    """Asking for a password reset or a sign-in link."""

    email = fields.Email(required=True, validate=validate.Length(max=254))


class CitizenSignupSchema(SignupSchema):
    birth_date = fields.Date(required=True)

    @validates("birth_date")
    def _plausible_birth_date(self, value: date, **kwargs):
        today = date.today()
        if value > today:
            raise ValidationError(str(_l("La date de naissance ne peut pas être dans le futur.")))
        if value.year < today.year - 130:
            raise ValidationError(str(_l("Vérifiez l'année de naissance.")))
        if (today.year - value.year - ((today.month, today.day) < (value.month, value.day))) < 15:
            raise ValidationError(
                str(_l("Avant 15 ans, l'espace santé est ouvert par un représentant légal."))
            )


class EditorSignupSchema(SignupSchema):
    organisation_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))


def normalise_email(email: str) -> str:
    return _strip_lower(email)
