"""Suggested edits: edits by members below the edit privilege, waiting for review

Revision ID: 0008_suggested_edits
Revises: 0007_notifications
Create Date: 2026-11-26 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_suggested_edits'
down_revision = '0007_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('suggested_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('base_revision_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.String(length=300), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_note', sa.String(length=300), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_suggested_edits_author_id_users')),
    sa.ForeignKeyConstraint(['base_revision_id'], ['revisions.id'], name=op.f('fk_suggested_edits_base_revision_id_revisions')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_suggested_edits_post_id_posts')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_suggested_edits_reviewer_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['revisions.id'], name=op.f('fk_suggested_edits_revision_id_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggested_edits'))
    )
    with op.batch_alter_table('suggested_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggested_edits_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggested_edits_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_suggested_edits_status_created_at', ['status', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('suggested_edits', schema=None) as batch_op:
        batch_op.drop_index('ix_suggested_edits_status_created_at')
        batch_op.drop_index(batch_op.f('ix_suggested_edits_post_id'))
        batch_op.drop_index(batch_op.f('ix_suggested_edits_author_id'))

    op.drop_table('suggested_edits')
