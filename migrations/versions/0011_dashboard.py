"""Dashboard: indexes for its aggregates (posts by time, answers by question, ledger and sign-ups by time)

Revision ID: 0011_dashboard
Revises: 0010_followups
Create Date: 2026-11-28 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_dashboard'
down_revision = '0010_followups'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_posts_type_created_at_deleted_at',
            ['type', 'created_at', 'deleted_at', 'author_id', 'question_id', 'accepted_answer_id', 'status',
             'id'],
            unique=False,
        )
        batch_op.create_index(
            'ix_posts_question_id_deleted_at_created_at',
            ['question_id', 'deleted_at', 'created_at', 'author_id'],
            unique=False,
        )
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.create_index(
            'ix_reputation_events_created_at', ['created_at', 'user_id', 'delta', 'post_id'], unique=False
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_created_at')
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_reputation_events_created_at')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_question_id_deleted_at_created_at')
        batch_op.drop_index('ix_posts_type_created_at_deleted_at')
