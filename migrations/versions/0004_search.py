"""Search: the outbox, and the documents and word list of the PostgreSQL engine

Revision ID: 0004_search
Revises: 0003_reputation
Create Date: 2026-11-26 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0004_search'
down_revision = '0003_reputation'
branch_labels = None
depends_on = None

DOCUMENT_TYPE = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')


def upgrade():
    is_postgres = op.get_bind().dialect.name == 'postgresql'
    if is_postgres:
        # trigram similarity for "did you mean"; the server is ours, so the migration may add it
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')

    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_question_id'), ['question_id'], unique=False)

    op.create_table('search_documents',
    sa.Column('question_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('document', DOCUMENT_TYPE, nullable=False),
    sa.Column('is_answered', sa.Boolean(), nullable=False),
    sa.Column('has_accepted', sa.Boolean(), nullable=False),
    sa.Column('has_staff_answer', sa.Boolean(), nullable=False),
    sa.Column('is_closed', sa.Boolean(), nullable=False),
    sa.Column('is_duplicate', sa.Boolean(), nullable=False),
    sa.Column('is_faq', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('quality', sa.Float(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_search_documents'))
    )
    # GIN on PostgreSQL; a plain index on SQLite, where the table stays empty
    op.create_index('ix_search_documents_document', 'search_documents', ['document'], unique=False,
                    postgresql_using='gin')

    op.create_table('search_words',
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('frequency', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    op.create_index('ix_search_words_trigram', 'search_words', ['word'], unique=False,
                    postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    op.drop_index('ix_search_words_trigram', table_name='search_words')
    op.drop_table('search_words')
    op.drop_index('ix_search_documents_document', table_name='search_documents')
    op.drop_table('search_documents')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_question_id'))
    op.drop_table('search_outbox')
