"""Test data factories, in one place. Each returns a flushed object."""

from __future__ import annotations

import itertools
from datetime import date

from catalogue.models import Service
from catalogue.services import create_organisation
from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user
from ens_core.db import db

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_user(*roles: Role, email: str | None = None, password: str = PASSWORD, **fields):
    n = next(_seq)
    return create_user(
        email=email or f"user{n}@test.ens",
        name=fields.pop("name", f"Test User {n}"),
        password=password,
        roles=set(roles) or {Role.CITIZEN},
        birth_date=fields.pop("birth_date", date(1990, 1, 1)),
        **fields,
    )


def make_organisation(owner=None, **fields):
    owner = owner or make_user(Role.EDITOR)
    n = next(_seq)
    return create_organisation(
        owner,
        legal_name=fields.pop("legal_name", f"Org {n}"),
        country=fields.pop("country", "FR"),
        **fields,
    )


def make_service(organisation=None, **fields):
    organisation = organisation or make_organisation()
    n = next(_seq)
    service = Service(
        organisation_id=organisation.id,
        name=fields.pop("name", f"Service {n}"),
        slug=fields.pop("slug", f"service-{n}"),
        **fields,
    )
    db.session.add(service)
    db.session.flush()
    return service


def make_hosting(service, **fields):
    """A hosting declaration in force (editor portal)."""
    from catalogue.models import HostingDeclaration

    declaration = HostingDeclaration(
        service_id=service.id,
        provider=fields.pop("provider", "OVHcloud"),
        country=fields.pop("country", "FR"),
        effective_from=fields.pop("effective_from", date(2024, 1, 1)),
        **fields,
    )
    db.session.add(declaration)
    db.session.flush()
    return declaration


# --- commission and decisions (review/commission, review/decisions) -------------------


def make_member(college=None, *, starts_on=None, ends_on=None, declared=True, links=(), user=None):
    """A commission member with one mandate (default: started a year ago, 2 years) and,
    unless ``declared=False``, a declaration filed a month ago."""
    from datetime import UTC, datetime, timedelta

    from dateutil.relativedelta import relativedelta

    from review.commission import services as commission
    from review.commission.models import College

    user = user or make_user(Role.COMMISSIONER)
    member = commission.ensure_member(None, user)
    starts_on = starts_on or (date.today() - relativedelta(years=1))
    commission.add_mandate(
        None, member, college=college or College.CITIZEN, starts_on=starts_on, ends_on=ends_on
    )
    if declared:
        commission.file_declaration(member, list(links), now=datetime.now(UTC) - timedelta(days=30))
    return member


def declared_link(name, *, section=None, nature="Audit", starts_on=date(2024, 1, 1)):
    """One link of interest of a commission member's declaration, with an e-health editor
    (default section: consulting)."""
    from review.commission.models import Section, Sector

    return {
        "section": section or Section.CONSULTING,
        "organisation_name": name,
        "organisation_siren": None,
        "sector": Sector.EHEALTH_EDITOR,
        "nature": nature,
        "starts_on": starts_on,
        "ends_on": None,
        "amount_eur": None,
    }


def make_evaluated_dossier(service=None, actor=None):
    from catalogue.models import DataPurpose
    from review.dossiers.models import Dossier
    from review.dossiers.services import add_data_request

    service = service or make_service()
    dossier = Dossier(service_id=service.id)
    db.session.add(dossier)
    db.session.flush()
    add_data_request(
        _member_of(service.organisation),
        dossier,
        scope="patient/Observation.rs",
        purpose=DataPurpose.CARE,
        retention_days=365,
    )
    return walk_dossier(dossier, actor)


def walk_dossier(dossier, actor, *states):
    """Move ``dossier`` through ``states`` in turn, by ``actor`` (default: from submitted to
    evaluated)."""
    from review.dossiers.lifecycle import transition
    from review.dossiers.models import DossierState

    for state in states or (
        DossierState.SUBMITTED,
        DossierState.ADMISSIBLE,
        DossierState.UNDER_EVALUATION,
        DossierState.EVALUATED,
    ):
        transition(dossier, state, actor=actor)
    return dossier


def make_commission_session(presiding=None, *, held_at=None, agent=None, title=None):
    from datetime import UTC, datetime, timedelta

    from review.commission import services as commission
    from review.commission.models import College

    presiding = presiding or make_member(College.CO_CHAIR)
    agent = agent or make_user(Role.AGENT)
    return commission.create_session(
        agent,
        title=title or f"Séance {next(_seq)}",
        held_at=held_at or datetime.now(UTC) + timedelta(days=7),
        presiding=presiding,
    )


# --- public catalogue (catalogue/public) ------------------------------------------------


def make_listed_service(organisation=None, **fields):
    """A referenced service with a complete listing; ``data_uses`` as (scope, purpose, days),
    ``hosting`` as country codes."""
    from datetime import UTC, datetime, timedelta

    from catalogue.models import (
        DataPurpose,
        HostingDeclaration,
        ServiceDataUse,
        ServiceStatus,
    )

    data_uses = fields.pop("data_uses", [("patient/Observation.rs", DataPurpose.PREVENTION, 365)])
    hosting = fields.pop("hosting", ["FR"])
    n = next(_seq)
    defaults = {
        "short_description": f"Application numéro {n}",
        "long_description": "Description détaillée.",
        "categories": ["prevention"],
        "platforms": ["web"],
        "audiences": ["adults"],
        "price_model": "free",
        "website_url": f"https://service-{n}.example",
        "status": ServiceStatus.REFERENCED,
        "referenced_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n),
        "valid_until": date(2029, 1, 1),
        "scores": {"security": 90, "interoperability": 80, "ethics": 85},
        "ecoscore_grade": "B",
        "ecoscore_value": 72.5,
        "ecoscore_details": {"method": "EcoIndex", "dom_elements": 420, "requests": 31},
    }
    defaults.update(fields)
    service = make_service(organisation, **defaults)
    for scope, purpose, days in data_uses:
        db.session.add(
            ServiceDataUse(service_id=service.id, scope=scope, purpose=purpose, retention_days=days)
        )
    for country in hosting:
        db.session.add(
            HostingDeclaration(
                service_id=service.id,
                provider=f"Hébergeur {country}",
                country=country,
                effective_from=date(2025, 1, 1),
            )
        )
    db.session.flush()
    db.session.refresh(service)
    return service


def make_suspended_service(reason: str, *, summary: str, deadline: str):
    """Nordic Move, a listed service hosted in Norway, suspended for ``reason``, with the
    suspension in its history (``summary``, answer due by ``deadline``)."""
    from catalogue.models import ServiceEventKind, ServiceStatus

    service = make_listed_service(
        name="Nordic Move",
        slug="nordic-move",
        status=ServiceStatus.SUSPENDED,
        status_reason=reason,
        hosting=["NO"],
    )
    make_service_event(service, ServiceEventKind.SUSPENDED, summary=summary, deadline=deadline)
    return service


def make_service_event(service, kind, *, summary="", at=None, **details):
    from catalogue.models import ServiceEvent
    from ens_core.db import utcnow

    event = ServiceEvent(
        service_id=service.id, kind=kind, summary=summary, at=at or utcnow(), details=details
    )
    db.session.add(event)
    db.session.flush()
    return event


# --- review: referential, dossiers (wt-review) -----------------------------------------


def referential_data(
    version: str = "T1", effective_from: str = "2025-01-01", criteria=None, double=None
):
    """A small referential: one or two criteria per area, known weights. ``double``: the
    areas evaluated twice (a list; None leaves the file silent: security and ethics)."""

    def crit(code, area, mandatory, answer_type="yes_no", evidence=False, weight=1):
        return {
            "code": code,
            "area": area,
            "topic": "",
            "mandatory": mandatory,
            "answer_type": answer_type,
            "evidence_required": evidence,
            "weight": weight,
            "statement": {"fr": f"Énoncé {code}", "en": f"Statement {code}"},
        }

    data = {
        "version": version,
        "title": {"fr": f"Référentiel {version}", "en": f"Referential {version}"},
        "effective_from": effective_from,
        "criteria": criteria
        or [
            crit("URB-01", "urbanisation", True, evidence=True, weight=3),
            crit("SEC-01", "security", True, weight=2),
            crit("SEC-02", "security", False, weight=1),
            crit("INT-01", "interoperability", False, "yes_no_na", weight=1),
            crit("ETH-01", "ethics", True, "yes_no_na", weight=2),
            crit("ENV-01", "environment", False, weight=1),
        ],
    }
    if double is not None:
        data["double_evaluation"] = list(double)
    return data


def make_referential(
    version: str = "T1", effective_from: str = "2025-01-01", criteria=None, double=None
):
    import yaml

    from review.referential.services import parse_referential, publish_referential

    text = yaml.safe_dump(referential_data(version, effective_from, criteria, double))
    data = parse_referential(text)
    return publish_referential(data)[0]


PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(content: bytes = PDF_BYTES, filename: str = "preuve.pdf"):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(content), filename=filename)


def make_dossier(service=None, editor=None, version=None):
    """A draft dossier against ``version`` (default: the small test referential)."""
    from review.dossiers.services import open_dossier

    version = version or make_referential()
    service = service or make_service()
    editor = editor or _member_of(service.organisation)
    return open_dossier(editor, service, version=version)


def _member_of(organisation):
    from ens_core.accounts.models import User

    return db.session.get(User, organisation.members[0].user_id)


def complete_dossier(dossier, editor=None, answer="yes"):
    """Answer every criterion (with evidence where required), request one data use and
    submit journey measurements: the dossier is ready to submit."""
    from catalogue.models import DataPurpose
    from review.dossiers.models import Answer
    from review.dossiers.services import AnswerInput, add_data_request, criteria_of, save_answers
    from review.scoring.services import save_measurements

    editor = editor or _member_of(dossier.service.organisation)
    inputs = {
        c.code: AnswerInput(
            Answer(answer), "Justification.", upload() if c.evidence_required else None
        )
        for c in criteria_of(dossier)
    }
    assert save_answers(editor, dossier, inputs) == {}
    add_data_request(
        editor,
        dossier,
        scope="patient/Observation.rs",
        purpose=DataPurpose.CARE,
        retention_days=365,
    )
    save_measurements(
        editor,
        dossier,
        [
            {"label": "Accueil", "energy_ratio": 1.1, "display_time_s": 0.8, "data_kb": 80.0},
            {"label": "Mesure", "energy_ratio": 1.4, "display_time_s": 1.5, "data_kb": 300.0},
        ],
    )
    return dossier


def make_double_evaluated_dossier(first, second, second_verdicts=None, *, service=None):
    """A dossier under evaluation against the small test referential (security and
    ethics evaluated twice): ``first`` rated every criterion compliant and named
    ``second`` (so ``first`` is the lead agent), who gave the same verdicts except
    ``second_verdicts`` ({code: Verdict}); both handed in."""
    from review.dossiers import double, services
    from review.dossiers.models import Verdict

    dossier = complete_dossier(make_dossier(service, version=make_referential("T1-double")))
    services.submit_dossier(_member_of(dossier.service.organisation), dossier)
    services.decide_admissibility(first, dossier, admissible=True, comment="Complet.")
    services.start_evaluation(first, dossier)
    mine = {c.code: (Verdict.COMPLIANT, "Conforme.") for c in services.criteria_of(dossier)}
    assert services.save_evaluations(first, dossier, mine) == {}
    double.assign_second_evaluator(first, dossier, second)
    theirs = {c.code: mine[c.code] for c in double.double_criteria(dossier)}
    theirs.update({code: (verdict, "") for code, verdict in (second_verdicts or {}).items()})
    assert services.save_evaluations(second, dossier, theirs) == {}
    double.finish_independent_evaluation(first, dossier)
    double.finish_independent_evaluation(second, dossier)
    return dossier


# --- health space (ens_core/health) -------------------------------------------------------


def make_measurement(citizen, code="29463-7", value=70.0, *, at=None, value2=None, service=None):
    from datetime import UTC, datetime

    from ens_core.health.datatypes import BY_CODE
    from ens_core.health.services import Source, add_measurement

    return add_measurement(
        citizen,
        {
            "code": code,
            "effective_at": at or datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
            "value": value,
            "value2": value2,
            "unit": BY_CODE[code].codes[code],
        },
        Source(service=service),
    )


def make_document(citizen, title="Compte rendu", *, service=None, type_code="11488-4", at=None):
    from datetime import UTC, datetime

    from ens_core.health.services import Source, add_document

    return add_document(
        citizen,
        {
            "type_code": type_code,
            "title": title,
            "date": at or datetime(2026, 2, 1, tzinfo=UTC),
            "content": PDF_BYTES,
            "content_type": "application/pdf",
        },
        Source(service=service, person=None if service else citizen),
    )


# --- sovereignty and surveillance (review/sovereignty, review/surveillance) -------------


def make_referenced_service(
    organisation=None,
    *,
    country: str = "FR",
    certificate_expiry: date | None = date(2030, 1, 1),
    hosting_from: date = date(2020, 1, 1),
    **fields,
):
    """A referenced service hosted in ``country`` with an HDS certificate and a
    production client."""
    from datetime import UTC, datetime

    from authz.models import ClientKind
    from authz.services import create_client
    from catalogue.models import DataPurpose, HostingDeclaration
    from catalogue.services import publish_referencing

    service = make_service(organisation, **fields)
    db.session.add(
        HostingDeclaration(
            service_id=service.id,
            provider="Hébergeur HDS",
            country=country,
            hds_certificate_number="HDS-TEST-1" if certificate_expiry else None,
            hds_certificate_expiry=certificate_expiry,
            effective_from=hosting_from,
        )
    )
    publish_referencing(
        service,
        actor=None,
        decided_at=datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=fields.get("valid_until") or date(2029, 1, 1),
        data_uses=[("patient/Observation.rs", DataPurpose.PREVENTION, 365)],
    )
    create_client(
        service,
        kind=ClientKind.PRODUCTION,
        name=service.name,
        redirect_uris=["https://app.example/cb"],
        scope_ceiling="patient/Observation.rs",
    )
    return service


def make_owner(
    organisation, *, country: str, share: float, control: bool = False, since=None, name=None
):
    from catalogue.models import OwnerDeclaration

    owner = OwnerDeclaration(
        organisation_id=organisation.id,
        entity_name=name or f"Holding {next(_seq)}",
        country=country,
        share_percent=share,
        declared_control=control,
        effective_from=since or date(2020, 1, 1),
    )
    db.session.add(owner)
    db.session.flush()
    return owner


def make_grant(service, citizen=None):
    from authz.models import Grant
    from authz.services import clients_of_service

    citizen = citizen or make_user(Role.CITIZEN)
    grant = Grant(
        citizen_id=citizen.id,
        service_id=service.id,
        client_id=clients_of_service(service)[0].id,
        scopes="patient/Observation.rs",
        consented_by_id=citizen.id,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def make_sandboxed_dossier(name: str, retention_days: int = 365):
    """An editor's service with a public (PKCE) sandbox client for the reference app and a
    draft dossier asking for the scopes the reference app uses. Returns (editor, service,
    client, dossier)."""
    from authz.models import AuthMethod
    from catalogue.editor.services import create_sandbox_client
    from catalogue.models import DataPurpose
    from review.dossiers.models import DataRequest
    from tests.authz.conformance.reference_client import DECLARED
    from tests.authz.flow import REDIRECT

    editor = make_user(Role.EDITOR)
    service = make_service(make_organisation(editor), name=name)
    client, _secret = create_sandbox_client(
        editor, service, redirect_uris=[REDIRECT], auth_method=AuthMethod.NONE
    )
    dossier = make_dossier(service, editor)
    for scope in DECLARED:
        db.session.add(
            DataRequest(
                dossier_id=dossier.id,
                scope=scope,
                purpose=DataPurpose.CARE,
                retention_days=retention_days,
            )
        )
    db.session.flush()
    return editor, service, client, dossier


def make_sandbox_client(service, scope_ceiling: str):
    """The service's sandbox client (for the production client a decision creates)."""
    from authz.models import ClientKind
    from authz.services import create_client

    return create_client(
        service,
        kind=ClientKind.SANDBOX,
        name="bac à sable",
        redirect_uris=["https://app.example/callback"],
        scope_ceiling=scope_ceiling,
    )


def approved_uses():
    """The data uses a referencing decision approves in the tests: Observations read for
    care, kept a year."""
    from catalogue.models import DataPurpose
    from review.decisions import sources

    return [sources.DataUse("patient/Observation.rs", DataPurpose.CARE, 365)]


def make_dossier_with_opinion(opinion):
    """An agent allowed to decide, and the evaluated dossier of a new service (its sandbox
    client asks for more than the dossier) on which the commission gave ``opinion`` (with
    reservations when it needs them): (agent, dossier, service)."""
    from review.commission.models import College
    from review.decisions import services
    from review.decisions.models import Permission

    agent = make_user(Role.AGENT)
    services.grant_permission(None, agent, Permission.DECISION)
    chair = make_member(College.CO_CHAIR)
    service = make_service()
    make_sandbox_client(
        service, "openid fhirUser launch/patient patient/Observation.rs patient/Patient.r"
    )
    reservations = "AIPD à fournir" if opinion.needs_reservations else ""
    item = give_opinion(agent, chair, make_evaluated_dossier(service), opinion, reservations)
    return agent, item.dossier, service


def give_opinion(agent, chair, dossier, choice, reservations: str = ""):
    """The commission's opinion on ``dossier``: a session chaired by ``chair`` with the chair
    alone present, who votes ``choice``; the item is closed. Returns the agenda item."""
    from review.commission import services as commission

    session = make_commission_session(chair, agent=agent)
    item = commission.put_on_agenda(agent, session, dossier)
    commission.record_attendance(agent, session, {chair.id})
    commission.open_deliberation(agent, item)
    commission.cast_vote(chair, item, choice, reservations)
    commission.close_item(agent, item)
    return item
