"""Keep ten times as many lexemes in PostgreSQL's statistics of the search documents

similar() takes a draft's document frequencies from pg_stats' most common lexemes of
search_documents.document, and counts the others through the GIN index (a bitmap heap scan
that visits every matching document, up to a cap). At the default statistics target (100) the
list stops at lexemes in about 8% of the documents, so at a million posts a draft's ordinary
words (in 2-4% of 250,000 documents) were each counted over 5,000-10,000 rows: 40-65 ms a
word, 104 ms a draft on average over twenty seeded titles. At 1,000 the list goes down to
about 0.17% (9,660 lexemes) and the same drafts' counts took 15.5 ms on average; ANALYZE of
the table takes a few seconds more at that size.

The next ANALYZE (the seed's, autovacuum's or an operator's) fills the longer list. SQLite has
no such statistics: nothing to do there.

Revision ID: 0022_search_lexeme_statistics
Revises: 0021_search_documents_inline
Create Date: 2026-11-27 06:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_search_lexeme_statistics"
down_revision = "0021_search_documents_inline"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN document SET STATISTICS 1000")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ALTER COLUMN document SET STATISTICS -1")
