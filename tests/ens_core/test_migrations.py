"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ens_core.database import include_name
from ens_core.db import db


def test_models_and_migrations_do_not_drift(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `ens db migrate`: {diff}"


def test_constraints_follow_the_naming_convention(app_ctx):
    inspector = inspect(db.engine)
    fks = inspector.get_foreign_keys("user_roles")
    assert fks[0]["name"] == "fk_user_roles_user_id_users"


def test_foreign_keys_are_enforced_on_every_backend(app_ctx):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from ens_core.accounts.models import Role, UserRole

    db.session.add(UserRole(user_id=999_999, role=Role.CITIZEN))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
