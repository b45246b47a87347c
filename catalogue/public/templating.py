"""Template helpers of the public catalogue: labels of enum values stored as strings."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask_babel import format_date

from catalogue.listing_changes import field_label
from catalogue.logos import public_logo_url
from catalogue.models import Audience, Category, Platform, PriceModel
from catalogue.public.vocabulary import country_name


def _label(enum_type):
    def label(value) -> str:
        try:
            return enum_type(value).label
        except ValueError:
            return str(value)

    return label


def iso_date(value) -> str:
    """A stored ISO date ("2027-05-01") in words; the raw text when it is not a date."""
    try:
        return format_date(date.fromisoformat(str(value)[:10]), "long")
    except ValueError:
        return str(value)


_CHOICES = {
    "categories": Category,
    "platforms": Platform,
    "audiences": Audience,
    "price_model": PriceModel,
}


def listing_value(value, field: str = "") -> str:
    """A listing field's value as a reader sees it: choices by their labels, a dash for
    nothing (the agent's side-by-side view of a proposed change)."""
    if value in (None, "", []):
        return "—"
    label = _label(_CHOICES[field]) if field in _CHOICES else str
    if isinstance(value, list):
        return ", ".join(label(v) for v in value)
    return label(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(_label(Category), "category_label")
    app.add_template_filter(_label(Platform), "platform_label")
    app.add_template_filter(_label(PriceModel), "price_label")
    app.add_template_filter(_label(Audience), "audience_label")
    app.add_template_filter(iso_date, "iso_date")
    app.add_template_filter(listing_value, "listing_value")
    app.add_template_filter(field_label, "listing_field_label")
    app.add_template_global(country_name, "country_label")
    app.add_template_global(public_logo_url, "public_logo_url")
