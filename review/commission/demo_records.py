"""Demo records of the commission: ``member`` (with its mandates), ``declaration`` (one
version of a member's public interest declaration) and ``session`` (agenda, conflicts,
attendance, votes, opinions), played as the secretariat, the chair and the members
would. See ``ens_core/demo/data/README.md``."""

from __future__ import annotations

from flask import Flask

from ens_core.demo import DemoContext, DemoDataError, register_kind
from ens_core.demo.dates import as_datetime
from review.commission import services
from review.commission.models import College, ConflictStatus, Member, Section, Sector, VoteChoice


def _member(ctx: DemoContext, email: str) -> Member:
    member = services.member_of(ctx.get("user", email))
    if member is None:
        raise DemoDataError(f"{email} is not a member of the commission")
    return member


def load_member(ctx: DemoContext, fields: dict) -> bool:
    """A member and the mandates the secretariat opened for them."""
    user = ctx.get("user", fields["user"])
    existing = services.member_of(user)
    if existing is not None and existing.mandates:
        return False
    secretariat = ctx.get("user", fields["by"])
    member = services.ensure_member(secretariat, user)
    for mandate in fields["mandates"]:
        services.add_mandate(
            secretariat,
            member,
            college=College(mandate["college"]),
            starts_on=mandate["starts_on"],
            ends_on=mandate.get("ends_on"),
        )
    return True


def _link(fields: dict) -> dict:
    return {
        "section": Section(fields["section"]),
        "organisation_name": fields["organisation"],
        "organisation_siren": fields.get("siren"),
        "sector": Sector(fields["sector"]),
        "nature": fields["nature"],
        "starts_on": fields.get("starts_on"),
        "ends_on": fields.get("ends_on"),
        "amount_eur": fields.get("amount_eur"),
    }


def _as_fields(link) -> dict:
    return {
        "section": link.section,
        "organisation": link.organisation_name,
        "siren": link.organisation_siren,
        "sector": link.sector,
        "nature": link.nature,
        "starts_on": link.starts_on,
        "ends_on": link.ends_on,
        "amount_eur": link.amount_eur,
    }


def load_declaration(ctx: DemoContext, fields: dict) -> bool:
    """Version ``version`` of the member's declaration: ``links``, or the previous
    version's links plus ``add_links``."""
    member = _member(ctx, fields["member"])
    latest = member.latest_declaration
    filed = latest.version if latest else 0
    if filed >= fields["version"]:
        return False
    if filed != fields["version"] - 1:
        raise DemoDataError(f"version {fields['version']} follows version {filed}")
    if "links" in fields:
        links = fields["links"]
    else:
        links = [_as_fields(link) for link in latest.links] if latest else []
    links = [*links, *fields.get("add_links", [])]
    services.file_declaration(
        member,
        [_link(link) for link in links],
        statement=fields.get("statement", ""),
        now=as_datetime(fields["filed"]),
    )
    return True


def load_session(ctx: DemoContext, fields: dict) -> bool:
    """Create the session, put dossiers on its agenda (conflicts detected, then decided by
    the presiding co-chair where the record says), convene, record attendance, take the
    votes of each item that has some and close it (or only open the vote where the item
    says ``open: true``), close the session."""
    if services.session_titled(fields["title"]) is not None:
        return False
    secretariat = ctx.get("user", fields["by"])
    presiding = _member(ctx, fields["presiding"])
    session = services.create_session(
        secretariat,
        title=fields["title"],
        held_at=as_datetime(fields["held_at"]),
        presiding=presiding,
        location=fields.get("location", ""),
    )
    items = []
    for spec in fields.get("agenda", []):
        item = services.put_on_agenda(secretariat, session, ctx.get("dossier", spec["dossier"]))
        if "conflicts" in spec:
            for conflict in [c for c in item.conflicts if c.status is ConflictStatus.POTENTIAL]:
                services.decide_conflict(
                    presiding.user,
                    conflict,
                    confirm=spec["conflicts"] == "confirm",
                    reason=spec.get("conflict_reason", ""),
                )
        items.append((item, spec))
    if fields.get("convene"):
        services.convene(secretariat, session)
    if "present" in fields:
        present = {_member(ctx, email).id for email in fields["present"]}
        services.record_attendance(secretariat, session, present)
    for item, spec in items:
        if "votes" in spec:
            _deliberate(ctx, secretariat, item, spec)
        elif spec.get("open"):
            _open_vote(secretariat, item, spec)
    if fields.get("closed"):
        services.close_session(secretariat, session)
    return True


def _open_vote(secretariat, item, spec: dict) -> None:
    """Check the quorum and open the vote (``open: true`` leaves it open for members)."""
    if not services.open_deliberation(secretariat, item):
        raise DemoDataError(f"no quorum on {spec['dossier']}")


def _deliberate(ctx: DemoContext, secretariat, item, spec: dict) -> None:
    """``votes`` maps a choice to the members casting it; ``present`` stands for every
    present, non-recused member not named elsewhere."""
    _open_vote(secretariat, item, spec)
    voters = {}
    for choice, who in spec["votes"].items():
        if who != "present":
            voters.update({_member(ctx, email).id: choice for email in who})
    sitting = services.present_member_ids(item.session) - item.recused_member_ids
    for choice, who in spec["votes"].items():
        if who == "present":
            voters.update({member_id: choice for member_id in sitting if member_id not in voters})
    reservations = spec.get("reservations", {})
    for member_id, choice in sorted(voters.items()):
        member = services.get_member(member_id)
        services.cast_vote(member, item, VoteChoice(choice), reservations.get(choice, ""))
    services.close_item(secretariat, item)


def register(app: Flask) -> None:
    register_kind(app, "member", load_member)
    register_kind(app, "declaration", load_declaration)
    register_kind(app, "session", load_session)
