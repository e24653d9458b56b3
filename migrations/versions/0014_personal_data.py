"""Personal data guard: why a post is held (flags or personal data), and held comments

Revision ID: 0014_personal_data
Revises: 0013_faq
Create Date: 2026-11-26 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_personal_data'
down_revision = '0013_faq'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_hold_reason'), ['hold_reason'], unique=False)

    # every post hidden so far was hidden by flags
    op.execute(
        "UPDATE posts SET hold_reason = 'flags' WHERE hidden_at IS NOT NULL AND deleted_at IS NOT NULL"
    )

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_comments_hold_reason'), ['hold_reason'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_hold_reason'))
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_hold_reason'))
        batch_op.drop_column('hold_reason')
