"""Similar questions while asking: what askers did with the suggestions (deflection events)

Revision ID: 0005_deflection
Revises: 0004_search
Create Date: 2026-11-26 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_deflection'
down_revision = '0004_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similar_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('ask_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_similar_events_question_id_posts'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_similar_events_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similar_events'))
    )
    with op.batch_alter_table('similar_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_similar_events_ask_token'), ['ask_token'], unique=False)
        batch_op.create_index('ix_similar_events_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('similar_events', schema=None) as batch_op:
        batch_op.drop_index('ix_similar_events_kind_created_at')
        batch_op.drop_index(batch_op.f('ix_similar_events_ask_token'))

    op.drop_table('similar_events')
