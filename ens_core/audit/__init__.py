"""Audit trail of administrative acts (who changed what, when).

Distinct from a citizen's access log (reads and writes of health data by services),
which lives with the health space.
"""
