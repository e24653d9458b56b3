"""Keep PostgreSQL's search documents in the table's own pages, not in its TOAST table

A tsvector barely compresses (pglz gives up on it; lz4 saved 3%), so at the default storage
every document over about 2 kB (half of them) went to the TOAST table: each one a search read
took an index lookup and two chunks more. A search for a common word reads a few thousand in
the order of answer quality, and at a million posts those scattered reads were most of its
time (the ranking statement: 11.2 ms there against 6.0 at 10k; 7.6 ms with the documents in
the row, read by key). STORAGE MAIN keeps a document in its row unless the row would not fit a
page.

Rows are rewritten as they are next indexed; `flask search reindex` rewrites them all. SQLite
has no such storage: nothing to do there.

Revision ID: 0021_search_documents_inline
Revises: 0020_search_pending_list
Create Date: 2026-11-27 02:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_search_documents_inline"
down_revision = "0020_search_pending_list"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN document SET STORAGE MAIN")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN document SET STORAGE EXTENDED")
