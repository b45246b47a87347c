"""How long conflict detection and vote counting take at a realistic scale.

    .venv/bin/python bench/commission_conflicts.py [members] [links_per_member] [dossiers]

Builds a throw-away SQLite database (or ENS_DATABASE_URL), 30 members with 40 declared
links each by default, and puts 60 dossiers on an agenda (each triggers the conflict
check against the dossier's organisation and two declared owners); then 30 votes and the
tally on each item. Prints the figures; asserts nothing about speed.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta


def _members(rng, members_n: int, links_n: int) -> list:
    """The chair, then ``members_n - 1`` members with ``links_n`` declared links each."""
    from review.commission.models import College, Section, Sector
    from tests.factories import make_member

    chair = make_member(College.CO_CHAIR)
    members = [chair]
    for _ in range(members_n - 1):
        links = [
            {
                "section": rng.choice(list(Section)),
                "organisation_name": f"Société {rng.randrange(5000)} SAS",
                "organisation_siren": f"{rng.randrange(10**8, 10**9)}",
                "sector": rng.choice(list(Sector)),
                "nature": "Conseil",
                "starts_on": date(2022, 1, 1),
                "ends_on": None,
                "amount_eur": None,
            }
            for _ in range(links_n)
        ]
        members.append(make_member(links=links))
    return members


def _dossiers(dossiers_n: int) -> list:
    """Evaluated dossiers of ``dossiers_n`` organisations, each with two declared owners."""
    from catalogue.models import OwnerDeclaration
    from ens_core.db import db
    from tests.factories import make_evaluated_dossier, make_organisation, make_service

    dossiers = []
    for i in range(dossiers_n):
        organisation = make_organisation(legal_name=f"Société {i} SAS")
        for k in range(2):
            db.session.add(
                OwnerDeclaration(
                    organisation_id=organisation.id,
                    entity_name=f"Holding {i}-{k}",
                    parent_group=f"Groupe {i}",
                    country="FR",
                    share_percent=40,
                    effective_from=date(2020, 1, 1),
                )
            )
        dossiers.append(make_evaluated_dossier(make_service(organisation)))
    db.session.flush()
    return dossiers


def _timed_session(rng, agent, session, members, dossiers) -> dict:
    """The dossiers put on the session's agenda, every member voting on each item without a
    conflict, the tallies: the time of each step."""
    from review.commission import services
    from review.commission.models import VoteChoice

    start = time.perf_counter()
    items = [services.put_on_agenda(agent, session, d) for d in dossiers]
    scheduling = time.perf_counter() - start
    conflicts = sum(len(i.conflicts) for i in items)
    services.record_attendance(agent, session, {m.id for m in members})
    start = time.perf_counter()
    for item in items:
        if not item.conflicts:
            services.open_deliberation(agent, item)
    voting_items = [i for i in items if i.status.value == "voting"]
    for item in voting_items:
        for m in members:
            services.cast_vote(m, item, rng.choice(list(VoteChoice)), "Réserve")
    votes = time.perf_counter() - start
    start = time.perf_counter()
    for item in voting_items:
        services.tally(item)
    tallying = time.perf_counter() - start
    return {
        "conflicts": conflicts,
        "scheduling": scheduling,
        "votes": votes,
        "tallying": tallying,
        "voting_items": len(voting_items),
    }


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    members_n, links_n, dossiers_n = (int(a) for a in [*sys.argv[1:], "30", "40", "60"][:3])
    tmp = tempfile.mkdtemp()
    url = os.environ.get("ENS_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    from bench._common import migrated_app
    from ens_core.accounts.models import Role
    from ens_core.db import db
    from review.commission import services
    from tests.factories import make_user

    app = migrated_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "ENS_ARGON2_PROFILE": "CHEAPEST",
            "ENS_DATA_DIR": tmp,
        }
    )
    rng = random.Random(42)
    with app.app_context():
        agent = make_user(Role.AGENT)
        members = _members(rng, members_n, links_n)
        session = services.create_session(
            agent,
            title="Bench",
            held_at=datetime.now(UTC) + timedelta(days=3),
            presiding=members[0],
        )
        dossiers = _dossiers(dossiers_n)
        figures = _timed_session(rng, agent, session, members, dossiers)
        db.session.rollback()
    voting = max(figures["voting_items"], 1)
    print(f"database: {url.split(':', 1)[0]}")
    print(
        f"{members_n} members x {links_n} links, {dossiers_n} dossiers, "
        f"{figures['conflicts']} conflicts"
    )
    print(
        "put on agenda + conflict check: "
        f"{figures['scheduling'] / dossiers_n * 1000:.1f} ms per dossier"
    )
    print(f"quorum + {members_n} votes: {figures['votes'] / voting * 1000:.1f} ms per item")
    print(f"tally: {figures['tallying'] / voting * 1000:.2f} ms per item")


if __name__ == "__main__":
    main()
