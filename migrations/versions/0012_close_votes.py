"""Close votes: members with the vote-to-close privilege close questions together

Revision ID: 0012_close_votes
Revises: 0011_dashboard
Create Date: 2026-11-26 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_close_votes'
down_revision = '0011_dashboard'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('close_votes',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['posts.id'], name=op.f('fk_close_votes_duplicate_of_id_posts')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_close_votes_question_id_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_close_votes_user_id_users')),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_close_votes'))
    )


def downgrade():
    op.drop_table('close_votes')
