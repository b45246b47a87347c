"""The one error a dossier's business rules raise (services re-export it)."""

from __future__ import annotations


class DossierError(ValueError):
    """A business rule refuses the action; the message is for the user."""
