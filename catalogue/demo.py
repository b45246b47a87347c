"""Demo organisations for the editor account."""

from __future__ import annotations

from catalogue import services
from ens_core.accounts.services import find_user_by_email


def load_demo_organisations() -> None:
    editor = find_user_by_email("editeur@demo.ens")
    if editor is not None and not services.organisations_of(editor):
        services.create_organisation(
            editor,
            legal_name="Santé Connect SAS",
            siren="732829320",
            country="FR",
            address="12 rue des Lilas, 69003 Lyon",
            contact_email="contact@santeconnect.example",
        )
