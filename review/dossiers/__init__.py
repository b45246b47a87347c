"""Referencing dossiers and their lifecycle."""
