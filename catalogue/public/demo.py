"""Demo listings: the shared demo services, complete enough to browse the catalogue.

Runs late (order 90) and only creates what is missing, by slug (services) and by legal
name (organisations): listings that the editor portal or a referencing decision created
are left exactly as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from catalogue.models import (
    DataPurpose,
    HostingDeclaration,
    Organisation,
    Service,
    ServiceDataUse,
    ServiceEvent,
    ServiceEventKind,
    ServiceStatus,
)
from ens_core.db import db

ORGANISATIONS = {
    "Santé Connect SAS": {"country": "FR", "siren": "732829320"},
    "MamaCare GmbH": {"country": "DE", "foreign_registration": "HRB 123456"},
    "Nordic Health AS": {"country": "NO", "foreign_registration": "NO 912345678"},
    "BrightPath Santé SAS": {"country": "FR", "siren": "552100554"},
}

C, P, D = DataPurpose.CARE, DataPurpose.PREVENTION, DataPurpose.DIAGNOSIS
OBS_R, OBS_W = "patient/Observation.rs", "patient/Observation.c"

# slug: (name, organisation, categories, platforms, audiences, price, grade, value,
#        hosting, data uses, short FR, short EN)
SERVICES = {
    "tension-suivi": (
        "Tension Suivi",
        "Santé Connect SAS",
        ["chronic_disease", "prevention"],
        ["ios", "android", "web"],
        ["adults"],
        "free",
        "A",
        82.0,
        ["FR"],
        [(OBS_R, C, 365), (OBS_W, C, 365)],
        "Notez votre tension et partagez-la avec votre médecin.",
        "Log your blood pressure and share it with your doctor.",
    ),
    "journal-sante": (
        "Journal Santé",
        "Santé Connect SAS",
        ["prevention"],
        ["web"],
        ["adults"],
        "free",
        "B",
        71.0,
        ["FR"],
        [("patient/DocumentReference.rs", C, 365), (OBS_R, C, 365)],
        "Votre journal de santé : symptômes, humeur, traitements.",
        "Your health diary: symptoms, mood, treatments.",
    ),
    "glyco-carnet": (
        "Glyco Carnet",
        "Santé Connect SAS",
        ["chronic_disease"],
        ["ios", "android"],
        ["adults", "minors"],
        "reimbursed",
        "B",
        68.5,
        ["FR"],
        [(OBS_R, C, 730), (OBS_W, C, 730)],
        "Le carnet de glycémie pour le diabète, aussi pour les enfants.",
        "Blood sugar log for diabetes, children included.",
    ),
    "pas-a-pas": (
        "Pas à Pas",
        "Santé Connect SAS",
        ["nutrition_activity", "prevention"],
        ["ios", "android"],
        ["adults"],
        "freemium",
        "A",
        88.0,
        ["FR"],
        [(OBS_W, P, 180)],
        "Marchez un peu plus chaque jour, à votre rythme.",
        "Walk a little more every day, at your own pace.",
    ),
    "sommeil-serein": (
        "Sommeil Serein",
        "Santé Connect SAS",
        ["mental_health", "prevention"],
        ["ios", "android"],
        ["adults"],
        "freemium",
        "C",
        55.0,
        ["FR"],
        [(OBS_R, P, 90)],
        "Comprendre et améliorer votre sommeil.",
        "Understand and improve your sleep.",
    ),
    "mamacare": (
        "MamaCare",
        "MamaCare GmbH",
        ["maternity"],
        ["ios", "android", "web"],
        ["adults"],
        "free",
        "B",
        70.0,
        ["DE"],
        [(OBS_R, C, 365), ("patient/Appointment.rs", C, 365)],
        "Le suivi de grossesse, semaine après semaine.",
        "Pregnancy follow-up, week by week.",
    ),
    "bebe-croissance": (
        "Bébé Croissance",
        "MamaCare GmbH",
        ["maternity"],
        ["ios", "android"],
        ["adults", "minors"],
        "free",
        "A",
        80.0,
        ["DE"],
        [(OBS_R, C, 1095), (OBS_W, C, 1095)],
        "Les courbes de croissance de votre enfant.",
        "Your child's growth charts.",
    ),
    "nutri-famille": (
        "Nutri Famille",
        "MamaCare GmbH",
        ["nutrition_activity"],
        ["web"],
        ["adults", "minors"],
        "paid",
        "C",
        52.0,
        ["DE"],
        [(OBS_R, P, 365)],
        "Des repas équilibrés pour toute la famille.",
        "Balanced meals for the whole family.",
    ),
    "allaitement-plus": (
        "Allaitement Plus",
        "MamaCare GmbH",
        ["maternity"],
        ["ios", "android"],
        ["adults"],
        "free",
        "B",
        74.0,
        ["DE"],
        [(OBS_W, C, 365)],
        "Conseils et suivi de l'allaitement.",
        "Breastfeeding advice and follow-up.",
    ),
    "mind-balance": (
        "Mind Balance",
        "MamaCare GmbH",
        ["mental_health"],
        ["ios", "android", "web"],
        ["adults"],
        "freemium",
        "D",
        41.0,
        ["DE", "FR"],
        [(OBS_R, C, 365)],
        "Méditation guidée et suivi de l'humeur.",
        "Guided meditation and mood tracking.",
    ),
    "nordic-move": (
        "Nordic Move",
        "Nordic Health AS",
        ["nutrition_activity"],
        ["ios", "android"],
        ["adults"],
        "free",
        "A",
        85.0,
        ["NO"],
        [(OBS_W, P, 365)],
        "Le coach d'activité physique venu du Nord.",
        "The physical activity coach from the North.",
    ),
    "medirappel": (
        "MédiRappel",
        "Nordic Health AS",
        ["medication"],
        ["ios", "android"],
        ["adults"],
        "free",
        "A",
        90.0,
        ["FI"],
        [("patient/MedicationRequest.rs", C, 365)],
        "Ne plus oublier vos médicaments.",
        "Never forget your medicines again.",
    ),
    "ortho-exo": (
        "Ortho Exo",
        "Nordic Health AS",
        ["disability_autonomy"],
        ["ios", "android"],
        ["adults", "minors"],
        "reimbursed",
        "B",
        66.0,
        ["SE"],
        [(OBS_W, C, 180)],
        "Vos exercices de rééducation en vidéo.",
        "Your rehabilitation exercises on video.",
    ),
    "telecardio": (
        "TéléCardio",
        "Nordic Health AS",
        ["telemedicine", "chronic_disease"],
        ["web"],
        ["adults"],
        "reimbursed",
        "C",
        58.0,
        ["FI"],
        [(OBS_R, D, 365), ("patient/DocumentReference.c", D, 365)],
        "La télésurveillance cardiaque avec votre cardiologue.",
        "Remote heart monitoring with your cardiologist.",
    ),
    "vita-senior": (
        "Vita Senior",
        "Nordic Health AS",
        ["disability_autonomy", "prevention"],
        ["web"],
        ["adults"],
        "paid",
        "B",
        72.0,
        ["DK"],
        [("patient/Appointment.rs", DataPurpose.SOCIAL_FOLLOW_UP, 365)],
        "Bien vieillir chez soi : rendez-vous et aides.",
        "Ageing well at home: appointments and help.",
    ),
    "respire-mieux": (
        "Respire Mieux",
        "BrightPath Santé SAS",
        ["chronic_disease"],
        ["ios", "android"],
        ["adults", "minors"],
        "free",
        "B",
        69.0,
        ["FR"],
        [(OBS_R, C, 365), (OBS_W, C, 365)],
        "Suivre son asthme et ses crises.",
        "Track your asthma and its attacks.",
    ),
}

SUSPENDED = {
    "nordic-move": "Données de santé hébergées en Norvège, hors de l'Union européenne.",
    "respire-mieux": "Éditeur contrôlé à 70 % par une société établie hors de l'Union européenne.",
}


def _organisation(name: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.legal_name == name))
    if organisation is None:
        organisation = Organisation(legal_name=name, **ORGANISATIONS[name])
        db.session.add(organisation)
        db.session.flush()
    return organisation


def load_demo_listings() -> None:
    decided = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    for n, (slug, row) in enumerate(SERVICES.items()):
        if db.session.scalar(select(Service.id).where(Service.slug == slug)) is not None:
            continue
        name, org, categories, platforms, audiences, price, grade, value = row[:8]
        hosting, uses, short, short_en = row[8:]
        at = decided + timedelta(days=7 * n)
        status = ServiceStatus.SUSPENDED if slug in SUSPENDED else ServiceStatus.REFERENCED
        service = Service(
            organisation_id=_organisation(org).id,
            name=name,
            slug=slug,
            short_description=short,
            short_description_en=short_en,
            long_description=f"{short} Service référencé dans l'espace numérique de santé.",
            long_description_en=f"{short_en} Service referenced in the digital health space.",
            categories=categories,
            platforms=platforms,
            audiences=audiences,
            price_model=price,
            website_url=f"https://{slug}.example",
            privacy_policy_url=f"https://{slug}.example/confidentialite",
            accessibility_statement_url=(
                f"https://{slug}.example/accessibilite" if grade in "AB" else None
            ),
            scores={
                "security": 70 + (n * 7) % 28,
                "interoperability": 65 + (n * 11) % 33,
                "ethics": 72 + (n * 5) % 25,
            },
            ecoscore_grade=grade,
            ecoscore_value=value,
            ecoscore_details={
                "method": "EcoIndex",
                "pages": 5,
                "dom_elements": 300 + 40 * n,
                "requests": 20 + 3 * n,
                "page_weight_kb": 600 + 85 * n,
            },
            status=status,
            status_reason=SUSPENDED.get(slug),
            status_changed_at=at,
            referenced_at=at,
            valid_until=date(2029, 1, 15),
        )
        db.session.add(service)
        db.session.flush()
        for scope, purpose, days in uses:
            db.session.add(
                ServiceDataUse(
                    service_id=service.id, scope=scope, purpose=purpose, retention_days=days
                )
            )
        for country in hosting:
            db.session.add(
                HostingDeclaration(
                    service_id=service.id,
                    provider=f"Hébergeur certifié ({country})",
                    country=country,
                    hds_certificate_number=f"HDS-{country}-{100 + n}",
                    hds_certificate_expiry=date(2028, 12, 31),
                    effective_from=date(2025, 6, 1),
                )
            )
        db.session.add(
            ServiceEvent(
                service_id=service.id,
                kind=ServiceEventKind.REFERENCED,
                at=at,
                summary="Référencement pour trois ans après avis de la commission.",
                details={"valid_until": "2029-01-15"},
            )
        )
        if slug in SUSPENDED:
            db.session.add(
                ServiceEvent(
                    service_id=service.id,
                    kind=ServiceEventKind.SUSPENDED,
                    at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
                    summary="Suspension immédiate : " + SUSPENDED[slug],
                    details={"deadline": "2027-01-01", "reason": SUSPENDED[slug]},
                )
            )
        db.session.flush()
