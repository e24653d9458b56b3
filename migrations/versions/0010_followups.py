"""Private follow-ups: an expert and a question's asker in a conversation only they (and moderators) read

Revision ID: 0010_followups
Revises: 0009_moderation
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_followups'
down_revision = '0009_moderation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('private_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_answer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_private_followups_asker_id_users')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_private_followups_expert_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_private_followups_question_id_posts')),
    sa.ForeignKeyConstraint(['resolution_answer_id'], ['posts.id'], name=op.f('fk_private_followups_resolution_answer_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_private_followups'))
    )
    with op.batch_alter_table('private_followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_private_followups_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_private_followups_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_private_followups_question_id'), ['question_id'], unique=False)
        # one open follow-up per expert and question; closed ones do not count
        batch_op.create_index('uq_private_followups_open', ['question_id', 'expert_id'], unique=True,
                              sqlite_where=sa.text('closed_at IS NULL'),
                              postgresql_where=sa.text('closed_at IS NULL'))

    op.create_table('followup_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_followup_messages_author_id_users')),
    sa.ForeignKeyConstraint(['followup_id'], ['private_followups.id'], name=op.f('fk_followup_messages_followup_id_private_followups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_messages'))
    )
    with op.batch_alter_table('followup_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_messages_followup_id'), ['followup_id'], unique=False)


def downgrade():
    with op.batch_alter_table('followup_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_messages_followup_id'))

    op.drop_table('followup_messages')
    with op.batch_alter_table('private_followups', schema=None) as batch_op:
        batch_op.drop_index('uq_private_followups_open', sqlite_where=sa.text('closed_at IS NULL'),
                            postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_private_followups_question_id'))
        batch_op.drop_index(batch_op.f('ix_private_followups_expert_id'))
        batch_op.drop_index(batch_op.f('ix_private_followups_asker_id'))

    op.drop_table('private_followups')
