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


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    members_n, links_n, dossiers_n = (int(a) for a in [*sys.argv[1:], "30", "40", "60"][:3])
    tmp = tempfile.mkdtemp()
    url = os.environ.get("ENS_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    from flask_migrate import upgrade

    from catalogue.models import OwnerDeclaration
    from ens_core import create_app
    from ens_core.accounts.models import Role
    from ens_core.db import db
    from review.commission import services
    from review.commission.models import College, Section, Sector, VoteChoice
    from tests.factories import (
        make_evaluated_dossier,
        make_member,
        make_organisation,
        make_service,
        make_user,
    )

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "ENS_ARGON2_PROFILE": "CHEAPEST",
            "ENS_DATA_DIR": tmp,
        }
    )
    rng = random.Random(42)
    with app.app_context():
        upgrade()
        agent = make_user(Role.AGENT)
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
        session = services.create_session(
            agent, title="Bench", held_at=datetime.now(UTC) + timedelta(days=3), presiding=chair
        )
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
        db.session.rollback()
    print(f"database: {url.split(':', 1)[0]}")
    print(f"{members_n} members x {links_n} links, {dossiers_n} dossiers, {conflicts} conflicts")
    print(f"put on agenda + conflict check: {scheduling / dossiers_n * 1000:.1f} ms per dossier")
    print(f"quorum + {members_n} votes: {votes / max(len(voting_items), 1) * 1000:.1f} ms per item")
    print(f"tally: {tallying / max(len(voting_items), 1) * 1000:.2f} ms per item")


if __name__ == "__main__":
    main()
