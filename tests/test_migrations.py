"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from forum.extensions import db
from tests.conftest import IS_POSTGRES


def test_models_match_migrations(app):
    """Autogenerate against the migrated database finds nothing to add, drop or alter."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_is_at_head(app):
    """The test database was built by the migrations, up to the newest one."""
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's GIN index; set TEST_DATABASE_URL")
def test_the_search_index_merges_a_small_pending_list(app):
    """Migration 0020: a write that tips the GIN pending list over merges 256 kB, not 4 MB."""
    with db.engine.connect() as connection:
        options = connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE relname = 'ix_search_documents_document'")
        )
    assert options == ["gin_pending_list_limit=256"]


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's column storage; set TEST_DATABASE_URL")
def test_search_documents_stay_in_their_rows(app):
    """Migration 0021: a document is kept in its row (MAIN), not moved to the TOAST table."""
    with db.engine.connect() as connection:
        storage = connection.scalar(
            text(
                "SELECT attstorage FROM pg_attribute"
                " WHERE attrelid = CAST('search_documents' AS regclass) AND attname = 'document'"
            )
        )
    assert storage == "m"


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's column statistics; set TEST_DATABASE_URL")
def test_search_documents_keep_many_lexemes_in_their_statistics(app):
    """Migration 0022: ANALYZE keeps 10x the default most common lexemes, from which similar()
    takes the document frequencies it would otherwise count through the GIN index."""
    with db.engine.connect() as connection:
        target = connection.scalar(
            text(
                "SELECT attstattarget FROM pg_attribute"
                " WHERE attrelid = CAST('search_documents' AS regclass) AND attname = 'document'"
            )
        )
    assert target == 1000
