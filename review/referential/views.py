"""Agents browse referential versions and compare two side by side."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from marshmallow import Schema, ValidationError, fields, validate

from ens_core.accounts.policies import can_use_agent_portal, requires
from review.referential import services
from review.referential.models import ATTRIBUTE_LABELS

bp = Blueprint("agent_referential", __name__, url_prefix="/agent/referentiel")


class CompareQuerySchema(Schema):
    old = fields.String(data_key="de", required=True, validate=validate.Length(max=20))
    new = fields.String(data_key="a", required=True, validate=validate.Length(max=20))


@bp.route("")
@requires(can_use_agent_portal)
def index():
    versions = services.list_versions()
    return render_template(
        "review/referential/index.html", versions=versions, current=services.current_version()
    )


@bp.route("/<version>")
@requires(can_use_agent_portal)
def show(version: str):
    found = services.get_version(version) or abort(404)
    return render_template(
        "review/referential/show.html",
        version=found,
        grouped=services.criteria_by_area(found),
    )


@bp.route("/comparer")
@requires(can_use_agent_portal)
def compare():
    try:
        query = CompareQuerySchema().load(request.args, unknown="exclude")
    except ValidationError:
        abort(400)
    old, new = services.get_version(query["old"]), services.get_version(query["new"])
    if old is None or new is None:
        abort(404)
    return render_template(
        "review/referential/compare.html",
        old=old,
        new=new,
        diff=services.compare_versions(old, new),
        labels=ATTRIBUTE_LABELS,
    )
