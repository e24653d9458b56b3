"""A small pending list for the PostgreSQL search index (256 kB instead of 4 MB)

GIN takes new entries into a pending list and merges the list into the index when it outgrows
gin_pending_list_limit, in the statement that tips it over, while every search reads the list
through. At a million posts merging 4 MB made about one post in a hundred wait up to a second
or more (the benchmark's answer page: p99 730-1,720 ms against about 250 at 10k); merging
256 kB costs little (p99 239 ms at 1M), and a rebuild still goes through the list (fastupdate
off made it 2.4 times slower). SQLite has no such index: nothing to do there.

Revision ID: 0020_search_pending_list
Revises: 0019_ledger_total
Create Date: 2026-11-27 00:15:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_search_pending_list"
down_revision = "0019_ledger_total"
branch_labels = None
depends_on = None

INDEX = "ix_search_documents_document"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {INDEX} SET (gin_pending_list_limit = 256)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {INDEX} RESET (gin_pending_list_limit)")
