"""The data and credentials of bench/api_load.py, made through the app's own services.

Citizens (``create_user``), an organisation and a service referenced by a decision
(``publish_referencing``) with a confidential production client (``create_client``), one
consent per citizen (``record_consent``), Observations (``add_measurement``), access and
refresh tokens (``issue_tokens``) and authorization codes (the Authlib server's own
authorization response, the last step of the consent screen, with a PKCE S256 challenge).
No raw SQL: what the benchmark serves is what the app would have stored.
"""

from __future__ import annotations

import base64
import functools
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from bench._common import REDIRECT_URI, bench_service, confidential_client

SCOPES = ["launch/patient", "patient/Observation.rs", "patient/Observation.cu", "offline_access"]
# Weight first: the search scenario asks for code 29463-7; the writes add other codes so
# that the searched set does not grow from round to round.
CODES = [
    ("29463-7", "kg", 50, 110),
    ("8867-4", "/min", 50, 100),
    ("29463-7", "kg", 50, 110),
    ("2339-0", "mg/dL", 70, 140),
    ("55423-8", "{steps}/d", 1000, 15000),
]
PASSWORD = "bench-citizen-password-1"  # noqa: S105 - throwaway bench accounts


@dataclass
class Fixture:
    """What the scenarios need to build their requests (ids, no ORM objects)."""

    client_id: str
    client_secret: str
    grant_ids: list[int]
    citizen_ids: list[int]
    patient_ids: dict[int, str]
    observation_ids: dict[int, list[str]] = field(default_factory=dict)

    @property
    def basic_auth(self) -> str:
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


def build(app, *, citizens: int, observations: int, seed: int = 7, log=print) -> Fixture:
    """Create the bench's service, client, citizens, consents and Observations."""
    from authz.tokens import pairwise_id

    rng = random.Random(seed)
    with app.test_request_context("/"):
        service, client, secret = _referenced_service()
        people, grant_ids = _consenting_citizens(service, client, citizens)
        log(f"  {citizens} citizens with a consent to {service.name}")
        observation_ids = _observations(service, client, people, observations, rng)
        log(f"  {observations} Observations")
        return Fixture(
            client_id=client.client_id,
            client_secret=secret,
            grant_ids=grant_ids,
            citizen_ids=[c.id for c in people],
            patient_ids={c.id: pairwise_id(c.id, service.id) for c in people},
            observation_ids=observation_ids,
        )


def _referenced_service():
    """The editor's service, referenced by a decision, with its confidential production
    client: (service, client, secret)."""
    from catalogue.models import DataPurpose, ServiceStatus
    from catalogue.services import publish_referencing
    from ens_core.accounts.models import Role
    from ens_core.accounts.services import create_user

    editor = create_user(
        email="editor@bench.ens", name="Éditrice Bench", password=PASSWORD, roles={Role.EDITOR}
    )
    service = bench_service(
        editor, "Bench Santé SAS", "Bench Santé", "bench-sante", status=ServiceStatus.DRAFT
    )
    publish_referencing(
        service,
        actor=None,
        decided_at=datetime.now(UTC) - timedelta(days=10),
        valid_until=date.today() + timedelta(days=365),
        data_uses=[
            ("patient/Observation.rs", DataPurpose.CARE, 365),
            ("patient/Observation.cu", DataPurpose.PREVENTION, 180),
        ],
    )
    client, secret = confidential_client(
        service, name="Bench Santé (serveur)", scopes=" ".join(SCOPES)
    )
    return service, client, secret


def _consenting_citizens(service, client, count: int) -> tuple[list, list[int]]:
    """``count`` citizens, each with a consent to ``service`` (committed): the citizens and
    their grants' ids."""
    from authz.consent import record_consent
    from ens_core.accounts.models import Role
    from ens_core.accounts.services import create_user
    from ens_core.db import db

    people, grant_ids = [], []
    for i in range(count):
        citizen = create_user(
            email=f"citoyen{i}@bench.ens",
            name=f"Citoyen Bench {i}",
            password=PASSWORD,
            roles={Role.CITIZEN},
            birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        )
        grant, _receipt = record_consent(citizen, service, client, SCOPES, months=13)
        people.append(citizen)
        grant_ids.append(grant.id)
    db.session.commit()
    return people, grant_ids


def _observations(service, client, people, count: int, rng) -> dict[int, list[str]]:
    """``count`` Observations sent by the service, spread over ``people`` (committed):
    {citizen_id: [public ids]}."""
    from ens_core.db import db
    from ens_core.health.datatypes import BY_CODE
    from ens_core.health.services import Source, add_measurement

    citizens = len(people)
    observation_ids: dict[int, list[str]] = {c.id: [] for c in people}
    now = datetime.now(UTC)
    source = Source(service=service, client=client)
    for n in range(count):
        citizen = people[n % citizens]
        code, unit, low, high = CODES[(n // citizens) % len(CODES)]
        assert unit == BY_CODE[code].codes[code]
        record = add_measurement(
            citizen,
            {
                "code": code,
                "effective_at": now - timedelta(hours=n // citizens * 7 + rng.random()),
                "value": round(rng.uniform(low, high), 1),
                "unit": unit,
            },
            source,
        )
        observation_ids[citizen.id].append(record.public_id)
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
    return observation_ids


def _retrying(mint):
    """Run a minting function again when SQLite refuses it a write lock: the bench's own
    deferred transaction meets the issue's "database is locked" too when a worker is still
    committing the last requests of the previous run."""

    @functools.wraps(mint)
    def wrapper(app, *args, **kwargs):
        from sqlalchemy.exc import OperationalError

        from ens_core.db import db

        for attempt in range(10):
            try:
                return mint(app, *args, **kwargs)
            except OperationalError as error:
                if "database is locked" not in str(error) or attempt == 9:
                    raise
                with app.app_context():
                    db.session.rollback()
                time.sleep(0.5)
        raise AssertionError("unreachable")

    return wrapper


def _grant_and_client(fixture: Fixture, grant_id: int):
    from authz.models import Grant
    from authz.services import get_client
    from ens_core.db import db

    return db.session.get(Grant, grant_id), get_client(fixture.client_id)


@_retrying
def access_tokens(app, fixture: Fixture) -> dict[int, str]:
    """A fresh access token (valid 10 minutes) per citizen: {citizen_id: JWT}."""
    from authz.tokens import issue_tokens
    from ens_core.db import db

    tokens = {}
    with app.app_context():
        for grant_id, citizen_id in zip(fixture.grant_ids, fixture.citizen_ids, strict=True):
            grant, client = _grant_and_client(fixture, grant_id)
            tokens[citizen_id] = issue_tokens(grant, client, grant.scopes).access_token
        db.session.commit()
    return tokens


@_retrying
def refresh_tokens(app, fixture: Fixture, count: int) -> list[str]:
    """``count`` distinct live refresh tokens, spread over the citizens' grants (a reuse
    would revoke a whole family: each one is presented once)."""
    from authz.tokens import issue_tokens
    from ens_core.db import db

    out = []
    with app.app_context():
        pairs = [_grant_and_client(fixture, g) for g in fixture.grant_ids]
        for n in range(count):
            grant, client = pairs[n % len(pairs)]
            out.append(
                issue_tokens(grant, client, grant.scopes, include_refresh=True).refresh_token
            )
            if n % 1000 == 999:
                db.session.commit()
        db.session.commit()
    return out


@_retrying
def authorization_codes(app, fixture: Fixture, count: int) -> list[tuple[str, str]]:
    """``count`` fresh authorization codes (valid 60 s, single use) with their PKCE
    verifiers, issued by the app's Authlib server exactly as the consent screen's last
    step does (``create_authorization_response`` for a citizen who has consented)."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    from authz.models import Grant
    from ens_core.accounts.models import User
    from ens_core.db import db

    server = app.extensions["ens_authz_server"]
    out = []
    with app.app_context():
        consents = [db.session.get(Grant, g) for g in fixture.grant_ids]
        citizens = [db.session.get(User, c.citizen_id) for c in consents]
        for n in range(count):
            consent, citizen = consents[n % len(consents)], citizens[n % len(consents)]
            verifier = secrets.token_urlsafe(48)
            query = urlencode(
                {
                    "response_type": "code",
                    "client_id": fixture.client_id,
                    "redirect_uri": REDIRECT_URI,
                    "scope": consent.scopes,
                    "state": f"s{n}",
                    "code_challenge": create_s256_code_challenge(verifier),
                    "code_challenge_method": "S256",
                }
            )
            with app.test_request_context(f"/oauth/authorize?{query}"):
                grant = server.get_consent_grant(end_user=citizen)
                grant.request.authz_grant = consent
                grant.request.granted_scope = consent.scopes
                response = server.create_authorization_response(grant=grant, grant_user=citizen)
            location = response.headers.get("Location", "")
            code = parse_qs(urlsplit(location).query).get("code", [None])[0]
            if code is None:
                raise RuntimeError(f"no code minted: {location}")
            out.append((code, verifier))
            if n % 1000 == 999:
                db.session.commit()
        db.session.commit()
    return out
