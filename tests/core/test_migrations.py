"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL alike."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.db import Base


def test_models_and_migrations_agree(migrated_app):
    engine = migrated_app.extensions["db_engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_database_is_at_the_newest_revision(migrated_app):
    from alembic.script import ScriptDirectory

    from portal.cli import alembic_config

    engine = migrated_app.extensions["db_engine"]
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert current == head
