"""Referential, dossiers, commission and decisions (tables added by their issues)."""
