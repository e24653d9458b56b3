"""Experts: topics, claims and assignments, and the official answer of a question

Revision ID: 0006_experts
Revises: 0005_deflection
Create Date: 2026-11-26 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_experts'
down_revision = '0005_deflection'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('expert_topics',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_expert_topics_tag_id_tags')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_topics_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'tag_id', name=op.f('pk_expert_topics'))
    )
    with op.batch_alter_table('expert_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_topics_tag_id'), ['tag_id'], unique=False)

    op.create_table('expert_claims',
    sa.Column('question_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_expert_claims_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_expert_claims_expert_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_expert_claims_question_id_posts')),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_expert_claims'))
    )
    with op.batch_alter_table('expert_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_claims_expert_id'), ['expert_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_answer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_posts_official_answer_id_posts'), 'posts', ['official_answer_id'], ['id'])


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_official_answer_id_posts'), type_='foreignkey')
        batch_op.drop_column('official_answer_id')

    with op.batch_alter_table('expert_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_claims_expert_id'))

    op.drop_table('expert_claims')
    with op.batch_alter_table('expert_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_topics_tag_id'))

    op.drop_table('expert_topics')
