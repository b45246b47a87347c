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


# --- review: referential, dossiers (wt-review) -----------------------------------------


def referential_data(version: str = "T1", effective_from: str = "2025-01-01", criteria=None):
    """A small referential: one or two criteria per area, known weights."""

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

    return {
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


def make_referential(version: str = "T1", effective_from: str = "2025-01-01", criteria=None):
    import yaml

    from review.referential.services import parse_referential, publish_referential

    data = parse_referential(yaml.safe_dump(referential_data(version, effective_from, criteria)))
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
