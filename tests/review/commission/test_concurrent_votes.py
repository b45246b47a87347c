"""Two simultaneous submissions of the same member's vote store exactly one vote.

Runs against the test database of the run: PostgreSQL when ENS_TEST_DATABASE_URL is set,
SQLite otherwise. Each thread uses its own connection and commits for real.
"""

import threading

import pytest
from sqlalchemy import func, select

from ens_core.accounts.models import Role
from ens_core.db import db
from review.commission import services
from review.commission.models import College, Vote, VoteChoice
from tests.factories import make_commission_session, make_evaluated_dossier, make_member, make_user


def _empty_all_tables():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.mark.own_database
def test_concurrent_double_submission_gives_exactly_one_vote(app):
    with app.app_context():
        agent = make_user(Role.AGENT)
        chair = make_member(College.CO_CHAIR)
        other = make_member()
        session = make_commission_session(chair, agent=agent)
        item = services.put_on_agenda(agent, session, make_evaluated_dossier())
        services.record_attendance(agent, session, {chair.id, other.id})
        services.open_deliberation(agent, item)
        db.session.commit()
        item_id, member_id = item.id, other.id
        db.session.remove()
    try:
        barrier = threading.Barrier(2)
        outcomes, errors = [], []

        def submit(choice):
            try:
                with app.app_context():
                    member = services.get_member(member_id)
                    target = services.get_item(item_id)
                    barrier.wait(timeout=10)
                    try:
                        stored = services.cast_vote(member, target, choice)
                    except services.CommissionError as refused:
                        outcomes.append(refused.message)
                    else:
                        db.session.commit()
                        outcomes.append(stored is not None)
                    db.session.remove()
            except Exception as exc:  # reported below, never swallowed
                errors.append(repr(exc))

        threads = [
            threading.Thread(target=submit, args=(choice,))
            for choice in (VoteChoice.FAVOURABLE, VoteChoice.UNFAVOURABLE)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert outcomes.count(True) == 1 and len(outcomes) == 2
        other_outcome = next(o for o in outcomes if o is not True)
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # PostgreSQL waits for the first insert, then reports the duplicate.
            assert other_outcome is False
        else:
            # SQLite refuses the second writer with a clear message (or sees the duplicate).
            assert other_outcome is False or "rechargez la page" in other_outcome
        with app.app_context():
            count = db.session.scalar(
                select(func.count())
                .select_from(Vote)
                .where(Vote.item_id == item_id, Vote.member_id == member_id)
            )
            assert count == 1
    finally:
        with app.app_context():
            _empty_all_tables()
