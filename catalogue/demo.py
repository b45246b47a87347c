"""Demo editors: 4 organisations, 16 draft services with full listings, hosting and owner
declarations, and a sandbox client each (client_id ``sandbox-<slug>``, secret
``sandbox-<slug>-secret``). Idempotent: everything is looked up by natural key first."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalogue.editor import services as editor_services
from catalogue.models import (
    HostingDeclaration,
    MemberRole,
    Organisation,
    OrganisationMember,
    OwnerDeclaration,
    Service,
    ServiceStatus,
)
from catalogue.services import get_service_by_slug, is_member
from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email, grant_role
from ens_core.db import db

DEMO_PASSWORD = "editeur-demo-2026"  # noqa: S105 (documented demo account)

ORGANISATIONS = {
    "Santé Connect SAS": {
        "siren": "732829320",
        "country": "FR",
        "address": "12 rue des Lilas, 69003 Lyon",
        "contact_name": "Élise Fournier",
        "contact_email": "contact@santeconnect.example",
        "contact_phone": "+33 4 72 00 00 00",
        "member": ("editeur@demo.ens", "Élise Fournier"),
    },
    "MamaCare GmbH": {
        "foreign_registration": "HRB 214365 B (Amtsgericht Charlottenburg)",
        "country": "DE",
        "address": "Friedrichstraße 68, 10117 Berlin, Allemagne",
        "contact_name": "Lena Hoffmann",
        "contact_email": "kontakt@mamacare.example",
        "contact_phone": "+49 30 1234 5678",
        "member": ("editeur.mamacare@demo.ens", "Lena Hoffmann"),
    },
    "Nordic Health AS": {
        "foreign_registration": "Org.nr. 923 456 789 MVA",
        "country": "NO",
        "address": "Karl Johans gate 22, 0159 Oslo, Norvège",
        "contact_name": "Ingrid Solberg",
        "contact_email": "post@nordichealth.example",
        "contact_phone": "+47 22 00 00 00",
        "member": ("editeur.nordic@demo.ens", "Ingrid Solberg"),
    },
    "BrightPath Santé SAS": {
        "siren": "812345676",
        "country": "FR",
        "address": "48 boulevard Haussmann, 75009 Paris",
        "contact_name": "Julie Marchand",
        "contact_email": "contact@brightpath-sante.example",
        "contact_phone": "+33 1 40 00 00 00",
        "member": ("editeur.brightpath@demo.ens", "Julie Marchand"),
    },
}

# slug: (name, organisation, short, long, categories, platforms, price, audiences)
SERVICES = {
    "tension-suivi": (
        "Tension Suivi",
        "Santé Connect SAS",
        "Carnet d'automesure tensionnelle partagé avec votre médecin.",
        "Tension Suivi guide l'automesure selon la règle des 3 (3 mesures, matin et soir, 3 jours), calcule vos moyennes et prépare un compte rendu à partager avec votre médecin traitant. Les mesures sont enregistrées dans votre espace santé.",
        ["chronic_disease", "prevention"],
        ["web", "ios", "android"],
        "free",
        ["adults"],
    ),
    "journal-sante": (
        "Journal Santé",
        "Santé Connect SAS",
        "Votre journal de symptômes, traitements et rendez-vous.",
        "Journal Santé vous aide à noter au quotidien vos symptômes, vos prises de traitement et vos rendez-vous, puis à retrouver l'essentiel avant une consultation. Les notes peuvent être versées dans vos documents de santé.",
        ["health_admin", "chronic_disease"],
        ["web", "ios", "android"],
        "freemium",
        ["adults"],
    ),
    "glyco-carnet": (
        "Glyco Carnet",
        "Santé Connect SAS",
        "Carnet de glycémie pour les personnes diabétiques.",
        "Glyco Carnet enregistre vos glycémies capillaires ou issues d'un capteur, vos doses d'insuline et vos repas, affiche vos tendances et alerte en cas d'hypoglycémies répétées. Conçu avec des diabétologues hospitaliers.",
        ["chronic_disease"],
        ["ios", "android"],
        "reimbursed",
        ["adults", "minors"],
    ),
    "pas-a-pas": (
        "Pas à Pas",
        "Santé Connect SAS",
        "Programme de marche progressive et d'activité physique adaptée.",
        "Pas à Pas propose un programme de marche progressif sur 12 semaines, adapté à votre condition physique, avec des objectifs hebdomadaires et un suivi de vos pas enregistré dans votre espace santé.",
        ["nutrition_activity", "prevention"],
        ["ios", "android"],
        "free",
        ["adults"],
    ),
    "sommeil-serein": (
        "Sommeil Serein",
        "Santé Connect SAS",
        "Agenda du sommeil et programme de thérapie comportementale de l'insomnie.",
        "Sommeil Serein tient votre agenda du sommeil et vous accompagne pendant 6 semaines avec les techniques validées de thérapie cognitive et comportementale de l'insomnie (restriction du temps au lit, contrôle du stimulus).",
        ["mental_health", "prevention"],
        ["web", "ios", "android"],
        "freemium",
        ["adults"],
    ),
    "mamacare": (
        "MamaCare",
        "MamaCare GmbH",
        "Suivi de grossesse semaine après semaine.",
        "MamaCare accompagne la grossesse semaine par semaine : rendez-vous et examens recommandés, suivi du poids et de la tension, fiches d'information validées par des sages-femmes, préparation de la sortie de maternité.",
        ["maternity"],
        ["ios", "android"],
        "freemium",
        ["adults"],
    ),
    "bebe-croissance": (
        "Bébé Croissance",
        "MamaCare GmbH",
        "Courbes de croissance et vaccins de votre enfant.",
        "Bébé Croissance reporte le poids, la taille et le périmètre crânien de votre enfant sur les courbes de référence françaises et rappelle les examens obligatoires et les vaccinations du calendrier vaccinal.",
        ["maternity", "prevention"],
        ["ios", "android"],
        "free",
        ["adults", "minors"],
    ),
    "nutri-famille": (
        "Nutri Famille",
        "MamaCare GmbH",
        "Idées de repas équilibrés pour toute la famille.",
        "Nutri Famille propose des menus équilibrés de saison, une liste de courses et des repères nutritionnels adaptés à chaque âge, de la diversification alimentaire du nourrisson aux repas des adultes.",
        ["nutrition_activity", "prevention"],
        ["web", "ios", "android"],
        "freemium",
        ["adults", "minors"],
    ),
    "allaitement-plus": (
        "Allaitement Plus",
        "MamaCare GmbH",
        "Accompagnement de l'allaitement et suivi des tétées.",
        "Allaitement Plus note les tétées, les couches et le sommeil du nourrisson, répond aux questions fréquentes sur l'allaitement et met en relation avec des consultantes en lactation.",
        ["maternity"],
        ["ios", "android"],
        "paid",
        ["adults"],
    ),
    "mind-balance": (
        "Mind Balance",
        "MamaCare GmbH",
        "Exercices de gestion du stress et suivi de l'humeur.",
        "Mind Balance propose un suivi quotidien de l'humeur, des exercices de respiration et de pleine conscience guidés, et oriente vers un professionnel ou le 3114 en cas de détresse.",
        ["mental_health"],
        ["web", "ios", "android"],
        "freemium",
        ["adults"],
    ),
    "nordic-move": (
        "Nordic Move",
        "Nordic Health AS",
        "Coaching d'activité physique en plein air.",
        "Nordic Move propose des séances de marche nordique et de renforcement musculaire en plein air, adaptées à votre niveau, et enregistre votre activité dans votre espace santé.",
        ["nutrition_activity", "prevention"],
        ["ios", "android"],
        "freemium",
        ["adults"],
    ),
    "medirappel": (
        "MédiRappel",
        "Nordic Health AS",
        "Rappels de prise de médicaments et suivi de l'observance.",
        "MédiRappel vous rappelle chaque prise de médicament, suit votre observance, prévient avant la fin d'une boîte et prépare la liste de vos traitements pour votre pharmacien.",
        ["medication"],
        ["ios", "android"],
        "free",
        ["adults"],
    ),
    "ortho-exo": (
        "Ortho Exo",
        "Nordic Health AS",
        "Exercices de rééducation prescrits par votre kinésithérapeute.",
        "Ortho Exo affiche en vidéo les exercices de rééducation prescrits par votre masseur-kinésithérapeute, suit vos séances à domicile et votre douleur, et partage les progrès avec votre praticien.",
        ["disability_autonomy", "chronic_disease"],
        ["web", "ios", "android"],
        "paid",
        ["adults", "minors"],
    ),
    "telecardio": (
        "TéléCardio",
        "Nordic Health AS",
        "Télésurveillance des patients insuffisants cardiaques.",
        "TéléCardio transmet chaque jour votre poids, vos symptômes et votre tension à l'équipe soignante qui vous suit pour une insuffisance cardiaque, qui est alertée en cas de signe de décompensation.",
        ["telemedicine", "chronic_disease"],
        ["ios", "android"],
        "reimbursed",
        ["adults"],
    ),
    "vita-senior": (
        "Vita Senior",
        "Nordic Health AS",
        "Prévention de la perte d'autonomie des personnes âgées.",
        "Vita Senior propose des exercices d'équilibre contre les chutes, des rappels d'hydratation et de rendez-vous, et un carnet partagé avec les aidants pour préserver l'autonomie à domicile.",
        ["disability_autonomy", "prevention"],
        ["web", "ios", "android"],
        "free",
        ["adults"],
    ),
    "respire-mieux": (
        "Respire Mieux",
        "BrightPath Santé SAS",
        "Suivi de l'asthme et de la BPCO.",
        "Respire Mieux suit vos symptômes respiratoires, votre débit expiratoire de pointe et vos traitements de fond, et vous aide à reconnaître une exacerbation grâce à votre plan d'action personnalisé.",
        ["chronic_disease"],
        ["ios", "android"],
        "freemium",
        ["adults", "minors"],
    ),
}


def _hosting_for(slug: str, today: date) -> dict:
    valid = today + timedelta(days=730)
    organisation = SERVICES[slug][1]
    if slug == "journal-sante":
        return {
            "provider": "OVHcloud",
            "country": "FR",
            "hds_certificate_number": "HDS-OVH-2023-0417",
            "hds_certificate_expiry": today + timedelta(days=30),
        }
    if slug == "nordic-move":
        return {
            "provider": "Green Mountain AS",
            "country": "NO",
            "hds_certificate_number": None,
            "hds_certificate_expiry": None,
        }
    if organisation == "Santé Connect SAS":
        return {
            "provider": "OVHcloud",
            "country": "FR",
            "hds_certificate_number": "HDS-OVH-2024-0112",
            "hds_certificate_expiry": valid,
        }
    if organisation == "MamaCare GmbH":
        return {
            "provider": "T-Systems International (Open Telekom Cloud)",
            "country": "DE",
            "hds_certificate_number": "HDS-TSY-2024-0031",
            "hds_certificate_expiry": valid,
        }
    if organisation == "Nordic Health AS":
        return {
            "provider": "Scaleway",
            "country": "FR",
            "hds_certificate_number": "HDS-SCW-2024-0078",
            "hds_certificate_expiry": valid,
        }
    return {
        "provider": "3DS Outscale",
        "country": "FR",
        "hds_certificate_number": "HDS-OUT-2024-0009",
        "hds_certificate_expiry": valid,
    }


OWNERS = {
    "Santé Connect SAS": [
        {
            "entity_name": "Fondateurs de Santé Connect",
            "country": "FR",
            "share_percent": 62.0,
            "declared_control": True,
        }
    ],
    "BrightPath Santé SAS": [
        {
            "entity_name": "BrightPath Holdings Inc.",
            "parent_group": "BrightPath Group",
            "country": "US",
            "share_percent": 70.0,
            "declared_control": True,
        }
    ],
}


def _editor(email: str, name: str):
    user = find_user_by_email(email)
    if user is None:
        user = create_user(email=email, name=name, password=DEMO_PASSWORD, roles={Role.EDITOR})
    else:
        grant_role(user, Role.EDITOR)
    return user


def _organisation(legal_name: str, spec: dict, member) -> Organisation:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.legal_name == legal_name)
    )
    fields = {k: v for k, v in spec.items() if k != "member"}
    if organisation is None and fields.get("siren"):
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.siren == fields["siren"])
        )
    if organisation is None:
        organisation = Organisation(legal_name=legal_name, **fields)
        db.session.add(organisation)
        db.session.flush()
    else:
        for key, value in fields.items():
            if getattr(organisation, key) in (None, ""):
                setattr(organisation, key, value)
    if not is_member(member, organisation):
        db.session.add(
            OrganisationMember(
                organisation_id=organisation.id, user_id=member.id, role=MemberRole.OWNER
            )
        )
    db.session.flush()
    return organisation


def load_demo_organisations() -> None:
    today = date.today()
    start = date(2024, 1, 1)
    organisations = {}
    members = {}
    for legal_name, spec in ORGANISATIONS.items():
        member = _editor(*spec["member"])
        members[legal_name] = member
        organisations[legal_name] = _organisation(legal_name, spec, member)

    for legal_name, owners in OWNERS.items():
        organisation = organisations[legal_name]
        exists = db.session.scalar(
            select(OwnerDeclaration.id).where(OwnerDeclaration.organisation_id == organisation.id)
        )
        if exists is None:
            for owner in owners:
                editor_services.declare_owner(
                    members[legal_name], organisation, {**owner, "effective_from": start}
                )

    for slug, (
        name,
        org_name,
        short,
        long,
        categories,
        platforms,
        price,
        audiences,
    ) in SERVICES.items():
        organisation = organisations[org_name]
        service = get_service_by_slug(slug)
        domain = f"{slug}.example"
        listing = {
            "short_description": short,
            "long_description": long,
            "categories": categories,
            "platforms": platforms,
            "price_model": price,
            "audiences": audiences,
            "website_url": f"https://{domain}/",
            "privacy_policy_url": f"https://{domain}/confidentialite",
            "accessibility_statement_url": f"https://{domain}/accessibilite",
        }
        if service is None:
            service = Service(
                organisation_id=organisation.id,
                name=name,
                slug=slug,
                status=ServiceStatus.DRAFT,
                **listing,
            )
            db.session.add(service)
            db.session.flush()
        else:
            for key, value in listing.items():
                if not getattr(service, key):
                    setattr(service, key, value)
        if service.organisation_id != organisation.id:
            continue  # another loader made it for another organisation: leave it alone
        has_hosting = db.session.scalar(
            select(HostingDeclaration.id).where(HostingDeclaration.service_id == service.id)
        )
        if has_hosting is None:
            editor_services.declare_hosting(
                members[org_name],
                service,
                {**_hosting_for(slug, today), "effective_from": start},
            )
        if editor_services.sandbox_client(service) is None:
            editor_services.create_sandbox_client(
                members[org_name],
                service,
                redirect_uris=[
                    f"https://{domain}/oauth/callback",
                    "http://127.0.0.1:8765/callback",
                ],
                client_id=f"sandbox-{slug}",
                secret=f"sandbox-{slug}-secret",
            )
    db.session.flush()
