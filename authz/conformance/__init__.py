"""Sandbox conformance runs (issue 18): what a sandbox client does against the store,
recorded during a run and evaluated against the published checks.

``models`` (runs and their events), ``recorder`` (called by the authorize and token
endpoints and, through ``ens_core.fhir.access.CALLS``, by the FHIR API), ``checks`` (the
versioned check list and its pure evaluators), ``services`` (what other packages call).
"""
