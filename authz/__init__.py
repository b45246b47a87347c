"""The OAuth 2.0 / SMART on FHIR authorization server and its resource protector."""

from flask import Flask


def init_app(app: Flask) -> None:
    import authz.models  # noqa: F401  (tables known to the metadata)
