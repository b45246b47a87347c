"""Prepared statements (ens_core.prepared): what the access log writes through the driver
reads back exactly as SQLAlchemy wrote it, driver errors come out as SQLAlchemy's own (a
SQLite lock wait as ``DatabaseBusy``: 503, never 500), result columns come back as
SQLAlchemy would return them, and what cannot be run faithfully is refused when the
statement is first used."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ens_core.accounts.models import Role, UserRole
from ens_core.audit.models import AuditEvent
from ens_core.db import DatabaseBusy, db
from ens_core.health.access_log import _NEW_HEAD, record_access, verify_chain
from ens_core.health.models import AccessLogEntry, AccessLogHead
from ens_core.prepared import Prepared, is_direct, savepoint, transaction, unit_of_work
from tests.conftest import make_test_app
from tests.ens_core.test_boundary import _sqlite_path, _write_lock_held
from tests.factories import make_service, make_user
from tests.serving import empty_all_tables

_AUDIT = AuditEvent.__table__
_ROLES = UserRole.__table__
_WRITE_AUDIT = Prepared(insert(_AUDIT), ("at", "action", "object_type", "object_id", "details"))


def test_an_entry_written_by_the_driver_reads_back_as_written(app_ctx):
    citizen, service = make_user(Role.CITIZEN), make_service()
    moment = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
    entry = record_access(
        citizen,
        interaction="search",
        resource_type="Observation",
        resource_ids=["a1", "b2"],
        service=service,
        at=moment,
        ip="198.51.100.7",
    )
    db.session.expire_all()
    stored = db.session.get(AccessLogEntry, entry.id)
    assert stored.at == moment
    assert stored.resource_ids == ["a1", "b2"]
    assert (stored.seq, stored.hash, stored.prev_hash) == (1, entry.hash, entry.prev_hash)
    assert stored.editor_name == service.organisation.legal_name
    assert db.session.get(AccessLogHead, citizen.id).hash == entry.hash
    assert verify_chain(citizen.id).ok


def test_a_driver_error_is_sqlalchemys_own(app_ctx):
    citizen = make_user(Role.CITIZEN)
    record_access(citizen, interaction="read", resource_type="Observation")
    new_head = Prepared(insert(AccessLogHead.__table__), ("citizen_id", "seq", "hash"))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        new_head.run({"citizen_id": citizen.id, "seq": 0, "hash": "0" * 64})


def test_expanding_parameters_are_refused(app_ctx):
    expanding = Prepared(
        select(_AUDIT.c.action).where(_AUDIT.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(TypeError, match="expanding"):
        expanding.scalars({"ids": [1]})


def test_result_columns_come_back_as_sqlalchemy_returns_them(app_ctx):
    """A datetime stored as text on SQLite, an enum, a JSON list: the same Python values
    through the driver as through SQLAlchemy."""
    citizen = make_user(Role.CITIZEN)
    moment = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
    entry = record_access(
        citizen, interaction="read", resource_type="Observation", resource_ids=["x"], at=moment
    )
    table = AccessLogEntry.__table__
    columns = (table.c.at, table.c.resource_ids, table.c.seq, table.c.detail)
    statement = select(*columns).where(table.c.id == bindparam("id"))
    through_driver = Prepared(statement).first({"id": entry.id})
    assert through_driver == tuple(db.session.execute(statement, {"id": entry.id}).one())
    assert through_driver == (moment, ["x"], 1, None)
    role = Prepared(select(_ROLES.c.role).where(_ROLES.c.user_id == bindparam("user")))
    assert role.scalars({"user": citizen.id}) == [Role.CITIZEN]
    assert Prepared(statement).all({"id": -1}) == []


@pytest.mark.own_database
def test_on_sqlite_a_lock_wait_beyond_the_bound_is_database_busy(database_url, tmp_path):
    path = _sqlite_path(database_url)
    app = make_test_app(database_url, tmp_path, ENS_DB_LOCK_TIMEOUT=0.2)
    row = {
        "at": datetime.now(UTC),
        "action": "probe",
        "object_type": "probe",
        "object_id": "1",
        "details": {},
    }
    try:
        with app.app_context():
            db.session.execute(select(1))  # a reader's transaction, as a FHIR read begins
            with _write_lock_held(path), pytest.raises(DatabaseBusy):
                _WRITE_AUDIT.run(row)
            db.session.rollback()
            _WRITE_AUDIT.run(row)  # once the lock is free, the same write goes through
            db.session.commit()
            assert db.session.scalars(select(AuditEvent.action)).all() == ["probe"]
    finally:
        empty_all_tables(app)
        with app.app_context():
            db.engine.dispose()



@pytest.mark.own_database
def test_a_direct_unit_commits_what_it_keeps_and_starts_a_chain_in_a_savepoint(
    database_url, tmp_path
):
    """Outside the ORM session (the FHIR express lane's unit of work): a citizen's first
    entry starts the chain in a savepoint; on SQLite what is not committed is gone (on
    PostgreSQL each write is a transaction of its own, committed when it ends); a second
    head for the same citizen is refused and the unit stays usable."""
    app = make_test_app(database_url, tmp_path)
    try:
        with app.app_context():
            citizen_id = make_user(Role.CITIZEN).id
            db.session.commit()
            with unit_of_work() as unit:
                assert is_direct()
                first = record_access(citizen_id, interaction="read", resource_type="Observation")
                unit.commit()
            with unit_of_work() as unit:
                record_access(citizen_id, interaction="search", resource_type="Observation")
                # not committed: rolled back when the unit ends, on SQLite
            kept = 2 if db.engine.dialect.name == "sqlite" else 3
            with unit_of_work() as unit:
                unit.become_writer()
                with transaction():
                    with pytest.raises(IntegrityError), savepoint():
                        _NEW_HEAD.run({"citizen_id": citizen_id, "seq": 0, "hash": "0" * 64})
                    last = record_access(citizen_id, interaction="read", resource_type="Patient")
                unit.commit()
            assert not is_direct()
            db.session.expire_all()
            stored = db.session.scalars(
                select(AccessLogEntry.seq).where(AccessLogEntry.citizen_id == citizen_id)
            ).all()
            assert first.seq == 1 and last.seq == kept
            assert sorted(stored) == list(range(1, kept + 1))
            assert verify_chain(citizen_id).ok
    finally:
        empty_all_tables(app)
        with app.app_context():
            db.engine.dispose()
