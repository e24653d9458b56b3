"""Indexes for every list page, and the generations of the pages kept for anonymous visitors

Revision ID: 0015_list_indexes
Revises: 0014_personal_data
Create Date: 2026-11-26 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_list_indexes'
down_revision = '0014_personal_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_generations',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_generations')),
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_type_score', ['type', 'score', 'id'], unique=False)
        batch_op.create_index(
            'ix_posts_type_answer_count_created_at', ['type', 'answer_count', 'created_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_type_answer_count_created_at')
        batch_op.drop_index('ix_posts_type_score')
    op.drop_table('cache_generations')
