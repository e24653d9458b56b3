"""search_terms: the lexemes of each search document's title and tags, for similar() on PostgreSQL

similar() takes its candidates from GIN indexes: the threads sharing a draft's rarer lexemes, up
to a budget of matches. A bitmap heap scan visits the row of each match, and a row of
search_documents holds its whole document (7 kB on average at a million posts, kept in the row
for search: migration 0021), so at a million posts a draft read a page a match, 20,000 of them
(87 ms at the median over 200 titles). A row here is the question id and its title's and tags'
lexemes, about 50 a page, and a word is in far fewer titles than documents: most candidates
now come from here, and only a few from the rarest lexemes anywhere (19 ms at the median, and
the top 5 closer to the ranking without any budget: see forum/search/postgres_backend.py).

Filled from search_documents here (the title is weight A, the tags B); the engine writes both
in one statement from now on. On SQLite the table exists and stays empty, as search_documents
does.

Revision ID: 0023_search_terms
Revises: 0022_search_lexeme_statistics
Create Date: 2026-11-27 11:00:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0023_search_terms"
down_revision = "0022_search_lexeme_statistics"
branch_labels = None
depends_on = None

DOCUMENT_TYPE = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def upgrade():
    is_postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "search_terms",
        sa.Column("question_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lexemes", DOCUMENT_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_search_terms")),
    )
    if is_postgres:
        op.execute(
            "INSERT INTO search_terms (question_id, lexemes)"
            " SELECT question_id, strip(ts_filter(document, '{a,b}')) FROM search_documents"
        )
    op.create_index(
        "ix_search_terms_lexemes",
        "search_terms",
        ["lexemes"],
        unique=False,
        postgresql_using="gin",
        postgresql_with={"gin_pending_list_limit": 256},
    )


def downgrade():
    op.drop_index("ix_search_terms_lexemes", table_name="search_terms")
    op.drop_table("search_terms")
