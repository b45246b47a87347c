"""Demo dossiers across the lifecycle (order 30, after the referential at 25).

Organisations, editor accounts and services are looked up by natural key (legal name,
email, slug) and created only if the editor-portal loader did not already create them.
A service that already has a dossier is left alone, so loading twice changes nothing.
"""

from __future__ import annotations

import inspect
import zlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from catalogue import services as catalogue
from catalogue.models import DataPurpose, Organisation, Service
from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email
from ens_core.db import db
from review.dossiers import evidence as evidence_files
from review.dossiers import services
from review.dossiers.lifecycle import transition
from review.dossiers.models import (
    Answer,
    CriterionAnswer,
    Dossier,
    DossierState,
    Evidence,
    Verdict,
)
from review.referential.models import Area
from review.scoring import services as scoring

S = DossierState
EDITOR_PASSWORD = "editeur-demo-2026"  # noqa: S105 (documented demo account)
ORGANISATIONS = {
    "Santé Connect SAS": ("FR", "editeur@demo.ens", "Élise Fournier"),
    "MamaCare GmbH": ("DE", "editeur.mamacare@demo.ens", "Lena Hoffmann"),
    "Nordic Health AS": ("NO", "editeur.nordic@demo.ens", "Ingrid Solberg"),
    "BrightPath Santé SAS": ("FR", "editeur.brightpath@demo.ens", "Julie Marchand"),
}
SC, MC, NH, BP = ORGANISATIONS
C, P, D, SOC = (
    DataPurpose.CARE,
    DataPurpose.PREVENTION,
    DataPurpose.DIAGNOSIS,
    DataPurpose.SOCIAL_FOLLOW_UP,
)

# slug: (name, organisation, target state, quality 0-1, web?, data uses)
DOSSIERS = {
    "glyco-carnet": (
        "Glyco Carnet",
        SC,
        S.EVALUATED,
        0.85,
        False,
        [
            ("patient/Observation.rs", C, 1095),
            ("patient/Observation.cu", C, 1095),
            ("patient/MedicationStatement.rs", C, 730),
        ],
    ),
    "mamacare": (
        "MamaCare",
        MC,
        S.EVALUATED,
        0.7,
        True,
        [
            ("patient/Observation.rs", P, 730),
            ("patient/Appointment.rs", C, 365),
            ("patient/DocumentReference.rs", C, 730),
        ],
    ),
    "mind-balance": (
        "Mind Balance",
        MC,
        S.EVALUATED,
        0.55,
        False,
        [("patient/QuestionnaireResponse.cu", P, 365), ("patient/Condition.rs", C, 365)],
    ),
    "telecardio": (
        "TéléCardio",
        NH,
        S.EVALUATED,
        0.9,
        True,
        [
            ("patient/Observation.rs", D, 1825),
            ("patient/Observation.cu", D, 1825),
            ("patient/DocumentReference.c", C, 1825),
            ("patient/Patient.r", C, 1825),
        ],
    ),
    "pas-a-pas": ("Pas à Pas", SC, S.SUBMITTED, 0.6, False, [("patient/Observation.cu", P, 365)]),
    "medirappel": (
        "MédiRappel",
        NH,
        S.ADMISSIBLE,
        0.75,
        False,
        [("patient/MedicationRequest.rs", C, 365), ("patient/MedicationStatement.cu", C, 365)],
    ),
    "allaitement-plus": (
        "Allaitement Plus",
        MC,
        S.UNDER_EVALUATION,
        0.65,
        True,
        [("patient/Observation.cu", P, 365), ("patient/Patient.r", P, 365)],
    ),
    "sommeil-serein": (
        "Sommeil Serein",
        SC,
        S.INFORMATION_REQUESTED,
        0.5,
        False,
        [("patient/Observation.rs", P, 365), ("patient/Observation.cu", P, 365)],
    ),
    "bebe-croissance": (
        "Bébé Croissance",
        MC,
        S.DRAFT,
        0.6,
        True,
        [("patient/Observation.rs", P, 1825)],
    ),
    "ortho-exo": ("Ortho Exo", NH, S.DRAFT, 0.7, False, []),
    "vita-senior": (
        "Vita Senior",
        NH,
        S.SUBMITTED,
        0.6,
        True,
        [("patient/Appointment.rs", SOC, 365), ("patient/CarePlan.rs", SOC, 365)],
    ),
    "nutri-famille": (
        "Nutri Famille",
        MC,
        S.REFUSED,
        0.35,
        True,
        [("patient/Observation.rs", P, 3650), ("patient/Observation.cu", P, 3650)],
    ),
    "tension-suivi": (
        "Tension Suivi",
        SC,
        S.REFERENCED,
        0.9,
        True,
        [
            ("patient/Observation.rs", C, 1095),
            ("patient/Observation.cu", P, 1095),
            ("patient/Patient.r", C, 1095),
        ],
    ),
    "journal-sante": (
        "Journal Santé",
        SC,
        S.REFERENCED,
        0.8,
        True,
        [("patient/DocumentReference.rs", C, 730), ("patient/Appointment.rs", C, 730)],
    ),
    "nordic-move": (
        "Nordic Move",
        NH,
        S.REFERENCED,
        0.75,
        False,
        [("patient/Observation.cu", P, 365), ("patient/Observation.rs", P, 365)],
    ),
    "respire-mieux": (
        "Respire Mieux",
        BP,
        S.REFERENCED,
        0.8,
        True,
        [
            ("patient/Observation.rs", C, 1095),
            ("patient/Observation.cu", C, 1095),
            ("patient/MedicationStatement.rs", C, 1095),
        ],
    ),
}
DECIDED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
VALID_UNTIL = date(2029, 3, 2)

JUSTIFICATIONS = {
    "HDS": "Hébergement chez OVHcloud, certificat HDS n° 2024-HDS-0117 valable jusqu'en 2027 "
    "(activités 1 à 6).",
    "Souveraineté": "Centres de données à Roubaix et Strasbourg ; aucun sous-traitant hors UE.",
    "Fédération d'identité": "Connexion SMART on FHIR par le serveur d'autorisation national, "
    "PKCE, aucun identifiant ressaisi.",
    "Pro Santé Connect": "Les professionnels se connectent par e-CPS via Pro Santé Connect.",
    "Annuaire santé": "Synchronisation hebdomadaire avec l'API FHIR de l'Annuaire Santé.",
    "INS": "Identité qualifiée récupérée par le téléservice INSi lors des échanges avec les "
    "établissements.",
    "RGPD": "DPO désigné auprès de la CNIL ; registre des traitements tenu à jour.",
    "Analyse de risques": "Analyse EBIOS RM réalisée en 2025, plan de traitement suivi en comité.",
    "Audit": "Test d'intrusion PASSI de février 2026, vulnérabilités critiques corrigées.",
    "Chiffrement": "TLS 1.3, chiffrement AES-256 des volumes et des sauvegardes.",
    "Jetons": "Jetons chiffrés dans un coffre côté serveur, rotation à chaque rafraîchissement.",
    "Minimisation": "Seules les portées listées dans le dossier sont demandées.",
    "FHIR": "Échanges FHIR R4 testés dans le bac à sable, profils FR Core.",
    "Terminologies": "Codage LOINC des mesures, jeux de valeurs issus du SMT.",
    "Accessibilité": "Audit RGAA de janvier 2026 : 82 % de conformité, déclaration publiée.",
    "Publicité": "Aucune donnée de santé n'est utilisée à des fins publicitaires (CGU art. 7).",
    "Intelligence artificielle": "Les recommandations automatiques sont signalées comme telles.",
    "Écoscore": "Parcours mesuré sur banc Greenspector, mesures saisies dans le dossier.",
}
AREA_JUSTIFICATIONS = {
    Area.URBANISATION: "Conforme ; détail dans le dossier d'architecture joint au dossier.",
    Area.SECURITY: "Procédure documentée dans la PSSI v3, contrôlée par le RSSI chaque année.",
    Area.INTEROPERABILITY: "Conforme au CI-SIS ; rapport de tests disponible sur demande.",
    Area.ETHICS: "Contenus et documents validés par notre comité médical et juridique.",
    Area.ENVIRONMENT: "Pratique suivie par notre référent écoconception, revue trimestrielle.",
}
# A minimal valid one-page PDF used as demo evidence.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _chance(slug: str, code: str) -> float:
    return (zlib.crc32(f"{slug}:{code}".encode()) % 1000) / 1000


def _user(email: str, name: str, roles: set[Role]):
    return find_user_by_email(email) or create_user(
        email=email, name=name, password=EDITOR_PASSWORD, roles=roles
    )


def _organisation(legal_name: str) -> Organisation:
    country, email, name = ORGANISATIONS[legal_name]
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.legal_name == legal_name)
    )
    editor = _user(email, name, {Role.EDITOR})
    if organisation is None:
        organisation = catalogue.create_organisation(editor, legal_name=legal_name, country=country)
    return organisation


def _service(slug: str, name: str, legal_name: str) -> Service:
    service = catalogue.get_service_by_slug(slug)
    if service is None:
        service = Service(organisation_id=_organisation(legal_name).id, name=name, slug=slug)
        db.session.add(service)
        db.session.flush()
    return service


def _editor_of(service: Service):
    _country, email, name = ORGANISATIONS.get(service.organisation.legal_name, (None, None, None))
    if email:
        return _user(email, name, {Role.EDITOR})
    return db.session.get(
        type(find_user_by_email("agent@demo.ens")), service.organisation.members[0].user_id
    )


def _answer(slug: str, criterion, quality: float) -> Answer:
    if criterion.mandatory:
        if criterion.allows_not_applicable and _chance(slug, criterion.code + "na") < 0.35:
            return Answer.NOT_APPLICABLE
        return Answer.YES
    if criterion.allows_not_applicable and _chance(slug, criterion.code + "na") < 0.3:
        return Answer.NOT_APPLICABLE
    return Answer.YES if _chance(slug, criterion.code) < quality else Answer.NO


def _justification(criterion, answer: Answer) -> str:
    if answer is Answer.NO:
        return "Pas encore en place : prévu dans la feuille de route des douze prochains mois."
    if answer is Answer.NOT_APPLICABLE:
        return "Sans objet pour ce service (aucun usage correspondant)."
    return JUSTIFICATIONS.get(criterion.topic) or AREA_JUSTIFICATIONS[criterion.area]


def _fill_answers(dossier: Dossier, editor, slug: str, quality: float, share: float = 1.0):
    criteria = services.criteria_of(dossier)
    for index, criterion in enumerate(criteria):
        if index >= round(len(criteria) * share):
            break
        answer = _answer(slug, criterion, quality)
        row = CriterionAnswer(
            criterion_id=criterion.id,
            answer=answer,
            justification=_justification(criterion, answer),
            answered_by_id=editor.id,
        )
        if criterion.evidence_required and answer is Answer.YES:
            checked = evidence_files.CheckedFile(
                DEMO_PDF, "application/pdf", ".pdf", f"{criterion.code.lower()}-{slug}.pdf"
            )
            stored_name, digest = evidence_files.store(checked)
            row.evidence.append(
                Evidence(
                    original_name=checked.original_name,
                    stored_name=stored_name,
                    content_type=checked.content_type,
                    size=len(DEMO_PDF),
                    sha256=digest,
                    uploaded_by_id=editor.id,
                )
            )
        dossier.answers.append(row)
    db.session.flush()


def _steps(slug: str, quality: float, web: bool) -> list[dict]:
    labels = [
        "Ouverture et connexion",
        "Tableau de bord",
        "Saisie d'une mesure",
        "Consultation de l'historique",
        "Partage avec le médecin",
    ]
    steps = []
    for label in labels:
        jitter = _chance(slug, label)
        bad = 1.2 - quality  # higher for less sober services
        step = {
            "label": label,
            "energy_ratio": round(1.05 + bad * (0.6 + jitter), 2),
            "display_time_s": round(0.6 + bad * (1.5 + 2 * jitter), 1),
            "data_kb": round(60 + bad * (250 + 900 * jitter)),
            "dom_elements": None,
            "http_requests": None,
            "page_weight_kb": None,
        }
        if web:
            step.update(
                dom_elements=int(180 + bad * (300 + 900 * jitter)),
                http_requests=int(12 + bad * (20 + 60 * jitter)),
                page_weight_kb=round(250 + bad * (600 + 2200 * jitter), 1),
            )
        steps.append(step)
    return steps


def _evaluate_all(dossier: Dossier, agent) -> None:
    verdicts = {}
    for answer in dossier.answers:
        verdict = {
            Answer.YES: Verdict.COMPLIANT,
            Answer.NO: Verdict.NON_COMPLIANT,
            Answer.NOT_APPLICABLE: Verdict.NOT_APPLICABLE,
        }[answer.answer]
        verdicts[answer.criterion.code] = (
            verdict,
            "Conforme aux pièces fournies." if verdict is Verdict.COMPLIANT else "",
        )
    services.save_evaluations(agent, dossier, verdicts)


def _publish(service: Service, dossier: Dossier, agent) -> None:
    scores = scoring.dossier_scores(dossier)
    eco = scoring.ecoscore_for(dossier)
    kwargs = {
        "actor": agent,
        "decided_at": DECIDED_AT,
        "valid_until": VALID_UNTIL,
        "data_uses": services.requested_data_uses(dossier),
    }
    extra = {
        "scores": scores,
        "ecoscore_value": eco[0] if eco else None,
        "ecoscore_grade": eco[1] if eco else None,
        "ecoscore_details": eco[2] if eco else {},
    }
    accepted = inspect.signature(catalogue.publish_referencing).parameters
    catalogue.publish_referencing(
        service, **kwargs, **{k: v for k, v in extra.items() if k in accepted}
    )
    if "scores" not in accepted:
        # The spine's publish_referencing predates the published scores: set the listing
        # fields it documents as "published with the referencing decision".
        service.scores = scores
        service.ecoscore_value = extra["ecoscore_value"]
        service.ecoscore_grade = extra["ecoscore_grade"]
        service.ecoscore_details = extra["ecoscore_details"]
        db.session.flush()


def _walk(dossier: Dossier, target: DossierState, editor, agent, slug: str) -> None:
    if target is S.DRAFT:
        return
    services.submit_dossier(editor, dossier, "Dossier complet.")
    # Filed a few weeks ago, so that the review clock shows something believable.
    dossier.submitted_at = dossier.submitted_at - timedelta(days=12 + len(slug) % 7 * 4)
    if target is S.SUBMITTED:
        return
    services.decide_admissibility(
        agent, dossier, admissible=True, comment="Pièces obligatoires présentes et lisibles."
    )
    if target is S.ADMISSIBLE:
        return
    services.start_evaluation(agent, dossier)
    if target is S.UNDER_EVALUATION:
        half = {
            a.criterion.code: (
                Verdict.COMPLIANT
                if a.answer is Answer.YES
                else Verdict.NON_COMPLIANT
                if a.answer is Answer.NO
                else Verdict.NOT_APPLICABLE,
                "",
            )
            for a in dossier.answers
            if a.criterion.area in (Area.URBANISATION, Area.SECURITY)
        }
        services.save_evaluations(agent, dossier, half)
        return
    if target is S.INFORMATION_REQUESTED:
        request = services.request_information(
            agent,
            dossier,
            questions="Merci de préciser la durée de conservation des enregistrements de "
            "sommeil bruts et de joindre le rapport du dernier test d'intrusion.",
            deadline=date.today() + timedelta(days=21),
        )
        request.asked_at = request.asked_at - timedelta(days=9)
        db.session.flush()
        return
    _evaluate_all(dossier, agent)
    services.complete_evaluation(agent, dossier, "Évaluation complète.")
    if target is S.EVALUATED:
        return
    transition(dossier, S.SCHEDULED, actor=agent, comment="Séance de la commission.")
    if target is S.REFUSED:
        transition(dossier, S.OPINION_GIVEN, actor=agent, comment="Avis défavorable.")
        transition(
            dossier,
            S.REFUSED,
            actor=agent,
            comment="Finalités et durées de "
            "conservation disproportionnées ; sécurité insuffisante.",
        )
        return
    transition(dossier, S.OPINION_GIVEN, actor=agent, comment="Avis favorable.")
    transition(dossier, S.REFERENCED, actor=agent, comment="Décision de référencement.")
    _publish(dossier.service, dossier, agent)


def load_demo_dossiers() -> None:
    agent = find_user_by_email("agent@demo.ens")
    if agent is None or services.current_version() is None:
        return
    for slug, (name, legal_name, target, quality, web, uses) in DOSSIERS.items():
        service = _service(slug, name, legal_name)
        exists = db.session.scalar(select(Dossier.id).where(Dossier.service_id == service.id))
        if exists is not None:
            continue
        editor = _editor_of(service)
        dossier = services.open_dossier(editor, service)
        share = 0.4 if slug == "bebe-croissance" else 0.9 if slug == "ortho-exo" else 1.0
        _fill_answers(dossier, editor, slug, quality, share)
        for scope, purpose, days in uses:
            services.add_data_request(
                editor, dossier, scope=scope, purpose=purpose, retention_days=days
            )
        if slug != "ortho-exo":
            scoring.save_measurements(
                editor,
                dossier,
                _steps(slug, quality, web),
                "Smartphone Android 12 (Pixel 6), banc de mesure "
                "Greenspector ; Chrome 120 pour le web",
            )
        _walk(dossier, target, editor, agent, slug)
    db.session.flush()
