"""Every foreign key has an index, in the database the migrations build: without one, a lookup by the
key (a unit's cases, a person's drafts) or a delete of the parent reads the whole table."""

import sqlalchemy as sa


def _unindexed_foreign_keys(engine: sa.Engine) -> list[str]:
    inspector = sa.inspect(engine)
    missing = []
    for table in inspector.get_table_names():
        # An index serves a key when the key's columns lead it (a composite index serves its first columns).
        leading = [index["column_names"] for index in inspector.get_indexes(table)]
        leading += [unique["column_names"] for unique in inspector.get_unique_constraints(table)]
        leading.append(inspector.get_pk_constraint(table)["constrained_columns"])
        for key in inspector.get_foreign_keys(table):
            columns = key["constrained_columns"]
            if not any(index[: len(columns)] == columns for index in leading):
                missing.append(f"{table}.{','.join(columns)}")
    return sorted(missing)


def test_every_foreign_key_has_an_index(migrated_app):
    assert _unindexed_foreign_keys(migrated_app.extensions["db_engine"]) == []


def test_the_check_finds_a_foreign_key_without_an_index(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'check.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))"
        )
    assert _unindexed_foreign_keys(engine) == ["child.parent_id"]
