"""Demo commission: 9 members, declarations, a past session with minutes and an upcoming
session with three dossiers on its agenda (one conflict to examine).

Idempotent: members by user, mandates and declarations only when the member has none,
sessions by title. Robust when other loaders are absent: organisations, services and
dossiers are got or created by their natural keys.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from catalogue.models import Organisation, Service
from catalogue.services import create_organisation, get_service_by_slug
from ens_core.accounts.models import Role
from ens_core.accounts.services import find_user_by_email, grant_role
from ens_core.db import db
from review.commission import services
from review.commission.models import (
    College,
    CommissionSession,
    Section,
    Sector,
    VoteChoice,
)
from review.dossiers.lifecycle import can_transition, transition
from review.dossiers.models import Dossier, DossierState

S = DossierState
PATH_TO_EVALUATED = [S.SUBMITTED, S.ADMISSIBLE, S.UNDER_EVALUATION, S.EVALUATED]
PAST_TITLE = "Séance plénière de référencement n° 11"
UPCOMING_TITLE = "Séance plénière de référencement n° 12"

MEMBERS = [
    # (n, college, starts (years ago), second term, expired)
    (1, College.CO_CHAIR),
    (2, College.CO_CHAIR),
    (3, College.CITIZEN),
    (4, College.USER_REPRESENTATIVE),
    (5, College.MEDICAL_EXPERT),
    (6, College.LEGAL_ETHICS_EXPERT),
    (7, College.ENVIRONMENT_EXPERT),
    (8, College.SECURITY_EXPERT),
    (9, College.EHEALTH_BUSINESS_EXPERT),
]


def _user(n: int):
    """Demo accounts come from ens_core's loader (which always runs first)."""
    user = find_user_by_email(f"membre{n}@demo.ens")
    grant_role(user, Role.COMMISSIONER)
    return user


def _organisation(name: str, country: str, founder, **fields) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.legal_name == name))
    if organisation is None:
        organisation = create_organisation(founder, legal_name=name, country=country, **fields)
    return organisation


def _service(slug: str, name: str, organisation: Organisation) -> Service:
    service = get_service_by_slug(slug)
    if service is None:
        service = Service(organisation_id=organisation.id, name=name, slug=slug)
        db.session.add(service)
        db.session.flush()
    return service


def _evaluated_dossier(service: Service, agent, editor) -> Dossier | None:
    """The service's dossier brought to ``evaluated`` (created when it has none)."""
    dossiers = list(
        db.session.scalars(
            select(Dossier).where(Dossier.service_id == service.id).order_by(Dossier.id)
        )
    )
    dossier = next((d for d in dossiers if d.state in {S.DRAFT, *PATH_TO_EVALUATED}), None)
    if dossier is None and not dossiers:
        dossier = Dossier(service_id=service.id, opened_by_id=editor.id if editor else None)
        db.session.add(dossier)
        db.session.flush()
    if dossier is None:
        return None
    for state in PATH_TO_EVALUATED:
        if dossier.state is S.EVALUATED:
            break
        if can_transition(dossier, state):
            transition(dossier, state, actor=agent, comment="Données de démonstration")
    return dossier if dossier.state is S.EVALUATED else None


def _link(section, name, sector, nature, starts, ends=None, siren=None, amount=None):
    return {
        "section": section,
        "organisation_name": name,
        "organisation_siren": siren,
        "sector": sector,
        "nature": nature,
        "starts_on": starts,
        "ends_on": ends,
        "amount_eur": amount,
    }


def _declarations(members, today: date) -> None:
    now = datetime.combine(today, time(9, 0), tzinfo=UTC)
    base = [
        _link(
            Section.MAIN_ACTIVITY,
            "Assistance publique – Hôpitaux de Paris",
            Sector.PUBLIC_BODY,
            "Praticien hospitalier",
            date(2015, 9, 1),
        )
    ]
    specific = {
        1: [
            *base,
            _link(
                Section.CONSULTING,
                "Santé Connect SAS",
                Sector.EHEALTH_EDITOR,
                "Audit de sécurité de l'application",
                date(2023, 3, 1),
                date(2023, 9, 30),
                siren="732829320",
                amount=18000,
            ),
        ],
        2: [
            _link(
                Section.MAIN_ACTIVITY,
                "Caisse nationale de l'Assurance maladie",
                Sector.PUBLIC_BODY,
                "Directeur délégué",
                date(2018, 1, 1),
            )
        ],
        3: [],
        4: [
            _link(
                Section.BOARDS,
                "France Assos Santé",
                Sector.OTHER,
                "Administratrice bénévole",
                date(2020, 6, 1),
            )
        ],
        5: [
            _link(
                Section.RESEARCH,
                "Laboratoires Dumont SA",
                Sector.PHARMA_MEDTECH,
                "Investigateur d'un essai clinique",
                date(2017, 1, 1),
                date(2019, 12, 31),
                amount=4000,
            )
        ],
        6: [
            _link(
                Section.PUBLICATIONS,
                "Revue de droit de la santé",
                Sector.OTHER,
                "Articles sur le RGPD",
                date(2021, 1, 1),
            )
        ],
        7: [
            _link(
                Section.CONSULTING,
                "Cloudora SA",
                Sector.LARGE_IT,
                "Mission de conseil sur l'empreinte des centres de données",
                today - relativedelta(months=8),
                amount=12000,
            )
        ],
        8: [
            _link(
                Section.RESEARCH,
                "Agence du numérique en santé",
                Sector.PUBLIC_BODY,
                "Groupe de travail sur l'interopérabilité",
                date(2022, 1, 1),
            )
        ],
        9: [
            _link(
                Section.MAIN_ACTIVITY,
                "Medinnov Conseil",
                Sector.OTHER,
                "Consultante en e-santé",
                date(2019, 1, 1),
            )
        ],
    }
    for n, member in members.items():
        if member.declarations:
            continue
        filed = now - timedelta(days=400 if n == 4 else 200)
        services.file_declaration(member, specific[n], statement="", now=filed)
        if n == 1:  # a second version, so the diff shows
            services.file_declaration(
                member,
                specific[n]
                + [
                    _link(
                        Section.PUBLICATIONS,
                        "Société française de santé digitale",
                        Sector.OTHER,
                        "Intervention au congrès annuel",
                        date(2025, 11, 20),
                        date(2025, 11, 20),
                    )
                ],
                statement="Ajout d'une intervention.",
                now=now - timedelta(days=20),
            )


def _mandates(members, agent, today: date) -> None:
    for n, college in MEMBERS:
        member = members[n]
        if member.mandates:
            continue
        if n == 2:  # on a second consecutive term
            first = today - relativedelta(years=3)
            services.add_mandate(agent, member, college=college, starts_on=first)
            services.add_mandate(
                agent, member, college=college, starts_on=first + relativedelta(years=2)
            )
        elif n == 9:  # expired last year
            services.add_mandate(
                agent, member, college=college, starts_on=today - relativedelta(years=3)
            )
        else:
            services.add_mandate(
                agent, member, college=college, starts_on=today - relativedelta(months=14)
            )


def _session(title: str):
    return db.session.scalar(select(CommissionSession).where(CommissionSession.title == title))


def _past_session(members, agent, editor, today: date) -> None:
    if _session(PAST_TITLE) is not None:
        return
    mamacare = _organisation("MamaCare GmbH", "DE", editor, foreign_registration="HRB 123456")
    plans = [
        (
            _service("nutri-famille", "Nutri Famille", mamacare),
            [VoteChoice.FAVOURABLE] * 5
            + [VoteChoice.FAVOURABLE_NON_SUSPENSIVE, VoteChoice.ABSTAIN],
        ),
        (
            _service("allaitement-plus", "Allaitement Plus", mamacare),
            [VoteChoice.FAVOURABLE_SUSPENSIVE] * 4
            + [VoteChoice.FAVOURABLE] * 2
            + [VoteChoice.UNFAVOURABLE],
        ),
    ]
    held = datetime.combine(today - timedelta(days=60), time(14, 0), tzinfo=UTC)
    session = services.create_session(
        agent,
        title=PAST_TITLE,
        held_at=held,
        presiding=members[1],
        location="Paris, 14 avenue Duquesne",
    )
    items = []
    for service, votes in plans:
        dossier = _evaluated_dossier(service, agent, editor)
        if dossier is not None:
            items.append((services.put_on_agenda(agent, session, dossier), votes))
    voters = [members[n] for n in (1, 2, 3, 4, 5, 6, 8)]
    services.record_attendance(agent, session, {m.id for m in voters})
    for item, votes in items:
        services.open_deliberation(agent, item)
        for member, choice in zip(voters, votes, strict=True):
            reservations = ""
            if choice is VoteChoice.FAVOURABLE_SUSPENSIVE:
                reservations = (
                    "Produire l'analyse d'impact (AIPD) mise à jour avant mise en service."
                )
            elif choice is VoteChoice.FAVOURABLE_NON_SUSPENSIVE:
                reservations = "Améliorer le contraste des graphiques."
            services.cast_vote(member, item, choice, reservations)
        services.close_item(agent, item)
    services.close_session(agent, session)


def _upcoming_session(members, agent, editor, today: date) -> None:
    if _session(UPCOMING_TITLE) is not None:
        return
    sante_connect = _organisation(
        "Santé Connect SAS",
        "FR",
        editor,
        siren="732829320",
        address="12 rue des Lilas, 69003 Lyon",
    )
    mamacare = _organisation("MamaCare GmbH", "DE", editor, foreign_registration="HRB 123456")
    held = datetime.combine(today + timedelta(days=14), time(13, 0), tzinfo=UTC)
    session = services.create_session(
        agent,
        title=UPCOMING_TITLE,
        held_at=held,
        presiding=members[2],
        location="Paris, 14 avenue Duquesne",
    )
    for slug, name, organisation in [
        ("glyco-carnet", "Glyco Carnet", sante_connect),
        ("mamacare", "MamaCare", mamacare),
        ("mind-balance", "Mind Balance", mamacare),
    ]:
        dossier = _evaluated_dossier(_service(slug, name, organisation), agent, editor)
        if dossier is not None:
            services.put_on_agenda(agent, session, dossier)
    services.convene(agent, session)


def load_demo_commission() -> None:
    from review.decisions.models import Permission
    from review.decisions.services import grant_permission

    agent = find_user_by_email("agent@demo.ens")
    editor = find_user_by_email("editeur@demo.ens")
    if agent is None or editor is None:  # the accounts loader did not run
        return
    grant_permission(None, agent, Permission.DECISION)
    today = date.today()
    members = {n: services.ensure_member(agent, _user(n)) for n, _college in MEMBERS}
    _mandates(members, agent, today)
    _declarations(members, today)
    _past_session(members, agent, editor, today)
    _upcoming_session(members, agent, editor, today)
