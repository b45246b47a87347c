"""Demo accounts (listed in README.md)."""

from __future__ import annotations

from datetime import date

from ens_core.accounts.models import Role
from ens_core.accounts.services import create_user, find_user_by_email, grant_role

DEMO_ACCOUNTS = [
    ("camille@demo.ens", "Camille Martin", "camille-demo-2026", {Role.CITIZEN}, date(1988, 4, 12)),
    ("karim@demo.ens", "Karim Benali", "karim-demo-2026", {Role.CITIZEN}, date(1979, 9, 3)),
    ("editeur@demo.ens", "Élise Fournier", "editeur-demo-2026", {Role.EDITOR}, None),
    ("agent@demo.ens", "Antoine Girard", "agent-demo-2026", {Role.AGENT, Role.ADMIN}, None),
] + [
    (f"membre{i}@demo.ens", name, "membre-demo-2026", {Role.COMMISSIONER}, None)
    for i, name in enumerate(
        [
            "Hélène Rousseau",
            "Marc Lefèvre",
            "Sophie Bernard",
            "Yannick Morel",
            "Nadia Haddad",
            "Paul Garnier",
            "Claire Dubois",
            "Julien Perrin",
            "Inès Lambert",
        ],
        start=1,
    )
]


def load_demo_accounts() -> None:
    for email, name, password, roles, birth_date in DEMO_ACCOUNTS:
        user = find_user_by_email(email)
        if user is None:
            create_user(
                email=email, name=name, password=password, roles=roles, birth_date=birth_date
            )
        else:
            for role in roles:
                grant_role(user, role)
