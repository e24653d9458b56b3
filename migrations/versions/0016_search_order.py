"""Indexes on the search documents in the orders a search takes its candidates in

Revision ID: 0016_search_order
Revises: 0015_list_indexes
Create Date: 2026-11-26 08:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_search_order'
down_revision = '0015_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_quality', ['quality', 'created_at', 'question_id'])
        batch_op.create_index('ix_search_documents_created_at', ['created_at', 'question_id'])
        batch_op.create_index('ix_search_documents_score', ['score', 'created_at', 'question_id'])
        batch_op.create_index(
            'ix_search_documents_faq',
            ['quality', 'created_at', 'question_id'],
            postgresql_where=sa.text('is_faq'),
            sqlite_where=sa.text('is_faq'),
        )


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_faq')
        batch_op.drop_index('ix_search_documents_score')
        batch_op.drop_index('ix_search_documents_created_at')
        batch_op.drop_index('ix_search_documents_quality')
