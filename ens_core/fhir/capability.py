"""``GET /fhir/metadata``: the server's R4 CapabilityStatement, with the SMART
``oauth-uris`` extension that older SMART clients read to find the OAuth endpoints."""

from __future__ import annotations

from ens_core.fhir.services import SEARCH_PARAMS

SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
RELEASED = "2026-11-23"

_PARAM_TYPES = {
    "patient": "reference",
    "subject": "reference",
    "actor": "reference",
    "code": "token",
    "category": "token",
    "type": "token",
    "status": "token",
    "date": "date",
    "_text": "string",
}
_DOCS = {
    "patient": "Must be the patient of the access token (or omitted).",
    "date": "Prefixes ge, le, gt, lt (eq by default); repeat for a range.",
    "_text": "Keywords in the document's title and description.",
}
INTERACTIONS = {
    "Observation": ["read", "search-type", "create", "update"],
    "DocumentReference": ["read", "search-type", "create"],
    "Appointment": ["read", "search-type", "create", "update"],
    "Patient": ["read"],
    "Binary": ["read", "create"],
}
PROFILES = {
    "Observation": "http://hl7.org/fhir/StructureDefinition/vitalsigns",
}


def capability_statement(issuer: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "id": "ens-fhir",
        "url": f"{issuer}/fhir/metadata",
        "name": "ENSHealthSpaceFHIRAPI",
        "title": "ENS Store – FHIR R4 API of the citizen's health space",
        "status": "active",
        "date": RELEASED,
        "publisher": "ENS Store",
        "kind": "instance",
        "software": {"name": "ENS Store", "version": "0.1.0"},
        "implementation": {
            "description": "Health space of the national digital health space",
            "url": f"{issuer}/fhir",
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Every call needs a bearer token from the ENS authorization server. A service "
                    "sees only the patient of its token. Records the citizen has hidden are left "
                    "out of searches; reading one answers 403 naming the missing consent."
                ),
                "security": _security(f"{issuer}/oauth"),
                "resource": [_resource(rtype, codes) for rtype, codes in INTERACTIONS.items()],
                "interaction": [{"code": "transaction"}],
            }
        ],
    }


def _resource(rtype: str, interactions: list[str]) -> dict:
    """One resource type: its interactions, profile and search parameters."""
    entry = {
        "type": rtype,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "versioned-update" if "update" in interactions else "no-version",
        "readHistory": False,
        "updateCreate": False,
    }
    if rtype in PROFILES:
        entry["supportedProfile"] = [PROFILES[rtype]]
    params = sorted(SEARCH_PARAMS.get(rtype, ()))
    if params:
        entry["searchParam"] = [
            {
                "name": p,
                "type": _PARAM_TYPES[p],
                **({"documentation": _DOCS[p]} if p in _DOCS else {}),
            }
            for p in params
        ]
    if rtype == "Observation":
        entry["conditionalUpdate"] = False
    return entry


def _security(oauth: str) -> dict:
    """SMART on FHIR, with the ``oauth-uris`` extension naming the OAuth endpoints."""
    return {
        "cors": True,  # ens_core.web.cors: the origins of registered clients
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "extension": [
            {
                "url": SMART_OAUTH_URIS,
                "extension": [
                    {"url": "authorize", "valueUri": f"{oauth}/authorize"},
                    {"url": "token", "valueUri": f"{oauth}/token"},
                    {"url": "revoke", "valueUri": f"{oauth}/revoke"},
                    {"url": "introspect", "valueUri": f"{oauth}/introspect"},
                ],
            }
        ],
    }
