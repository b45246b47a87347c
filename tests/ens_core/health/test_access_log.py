"""The access log's hash chain: verified, and any edit or deletion is detected."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, select, update

from ens_core.accounts.models import Role
from ens_core.db import db
from ens_core.health import access_log
from ens_core.health.access_log import record_access, verify_chain
from ens_core.health.models import AccessLogEntry
from tests.factories import make_service, make_user


def _log(citizen, service, n=4):
    return [
        record_access(
            citizen,
            interaction="read",
            resource_type="Observation",
            resource_ids=[str(i)],
            service=service,
            ip="198.51.100.7",
        )
        for i in range(n)
    ]


def test_chain_links_each_entry_to_the_previous(app_ctx):
    citizen, service = make_user(Role.CITIZEN), make_service()
    entries = _log(citizen, service)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].service_name == service.name
    assert entries[0].editor_name == service.organisation.legal_name
    assert verify_chain(citizen.id).ok


def test_chains_are_per_citizen(app_ctx):
    service = make_service()
    a, b = make_user(Role.CITIZEN), make_user(Role.CITIZEN)
    _log(a, service, 2)
    first_b = _log(b, service, 1)[0]
    assert first_b.seq == 1 and first_b.prev_hash == "0" * 64


def test_edited_entry_is_detected_at_its_position(app_ctx):
    citizen, service = make_user(Role.CITIZEN), make_service()
    entries = _log(citizen, service)
    db.session.execute(
        update(AccessLogEntry).where(AccessLogEntry.id == entries[2].id).values(ip="10.0.0.1")
    )
    db.session.expire_all()
    check = verify_chain(citizen.id)
    assert not check.ok and check.broken_seq == 3 and check.reason == "entry was modified"


def test_deleted_entries_are_detected(app_ctx):
    citizen, service = make_user(Role.CITIZEN), make_service()
    entries = _log(citizen, service)
    db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.id == entries[1].id))
    db.session.expire_all()
    assert verify_chain(citizen.id).broken_seq == 2
    db.session.execute(
        delete(AccessLogEntry).where(
            AccessLogEntry.citizen_id == citizen.id, AccessLogEntry.seq >= 2
        )
    )
    db.session.expire_all()
    check = verify_chain(citizen.id)
    assert not check.ok and check.reason == "entries missing at the end of the log"


def test_audit_verify_command_reports_the_first_broken_entry(app):
    runner = app.test_cli_runner()
    with app.app_context():
        citizen, service = make_user(Role.CITIZEN), make_service()
        entries = _log(citizen, service)
        db.session.commit()
        ok = runner.invoke(args=["audit", "verify", "--citizen", str(citizen.id)])
        assert ok.exit_code == 0 and "OK: 1 chain(s), 4 entries" in ok.output
        db.session.execute(
            update(AccessLogEntry)
            .where(AccessLogEntry.id == entries[1].id)
            .values(resource_ids=["999"])
        )
        db.session.commit()
        broken = runner.invoke(args=["audit", "verify", "--citizen", str(citizen.id)])
        assert broken.exit_code == 1
        assert f"BROKEN citizen {citizen.id}: first broken entry seq 2" in broken.output
        assert (
            db.session.scalar(select(AccessLogEntry.seq).where(AccessLogEntry.id == entries[1].id))
            == 2
        )


def test_a_first_entry_racing_another_continues_the_chain_it_started(app_ctx, monkeypatch):
    """Two first requests for one citizen: both find no chain head; the one that inserts
    second waits for the first's head and appends after it (no 500, no fork)."""
    citizen = make_user(Role.CITIZEN)
    first = record_access(citizen, interaction="read", resource_type="Observation")
    lock_head = access_log._LOCK_HEAD
    missed = {"once": False}

    class SawNoHeadYet:
        def first(self, params):
            if not missed["once"]:
                missed["once"] = True
                return None  # looked before the concurrent request had written its head
            return lock_head.first(params)

    monkeypatch.setattr(access_log, "_LOCK_HEAD", SawNoHeadYet())
    second = record_access(citizen, interaction="read", resource_type="Observation")
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert verify_chain(citizen.id).ok


def test_an_auditor_recomputes_each_hash_with_the_standard_json_module(app_ctx):
    """The canonical form is plain JSON (sorted keys, no spaces, UTF-8): a verifier written
    with Python's json module — not our code — finds the same hashes, whatever the text."""
    citizen, service = make_user(Role.CITIZEN), make_service()
    awkward = 'Tab\t, quote " \\ newline\n, \x01\x1f\x7f, é ß 😀 \u2028 </script>'
    entry = record_access(
        citizen,
        interaction="read",
        resource_type="Observation",
        resource_ids=["a", awkward],
        service=service,
        detail=awkward,
        ip="2001:db8::1",
    )
    stored = db.session.get(AccessLogEntry, entry.id)
    payload = {name: getattr(stored, name) for name in access_log._CANONICAL_FIELDS}
    payload["at"] = stored.at.isoformat(timespec="microseconds")
    payload["resource_ids"] = stored.resource_ids
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256((stored.prev_hash + text).encode()).hexdigest() == stored.hash
    assert access_log.canonical(stored) == text
    assert verify_chain(citizen.id).ok


def test_an_entry_linked_to_a_head_that_moved_since_is_linked_again(app_ctx):
    """The FHIR API links its entry to the head read with the data, before the write lock;
    if another call appended meanwhile, the entry goes after that one: no fork, no gap."""
    citizen, service = make_user(Role.CITIZEN), make_service()
    first = _log(citizen, service, 1)[0]
    read_head = access_log.ChainHead(first.seq, first.hash)
    late = access_log.new_entry(
        citizen, interaction="search", resource_type="Observation", head=read_head
    )
    assert late.values["seq"] == 2  # linked, optimistically, to the head it read
    meanwhile = _log(citizen, service, 1)[0]
    written = access_log.append_entry(late)
    assert (meanwhile.seq, written.seq) == (2, 3)
    assert written.prev_hash == meanwhile.hash
    assert verify_chain(citizen.id).ok


def test_an_entry_linked_to_the_current_head_is_written_as_linked(app_ctx):
    citizen, service = make_user(Role.CITIZEN), make_service()
    first = _log(citizen, service, 1)[0]
    entry = access_log.new_entry(
        citizen,
        interaction="read",
        resource_type="Observation",
        head=access_log.ChainHead(first.seq, first.hash),
    )
    linked = dict(entry.values)
    written = access_log.append_entry(entry)
    assert (written.seq, written.prev_hash, written.hash) == (
        2,
        first.hash,
        linked["hash"],
    )
    assert verify_chain(citizen.id).ok
