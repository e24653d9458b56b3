"""The crowdsourced FAQ: entries, sources, revisions, suggestions, helpful votes, candidates, popularity and its signals

Revision ID: 0013_faq
Revises: 0012_close_votes
Create Date: 2026-11-26 04:43:11.429865

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_faq'
down_revision = '0012_close_votes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_views',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'target_id', 'day', 'visitor', name=op.f('pk_page_views'))
    )
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.create_index('ix_page_views_day', ['day'], unique=False)

    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=True),
    sa.Column('product_area', sa.String(length=100), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('stale_reason', sa.String(length=20), nullable=True),
    sa.Column('stale_at', sa.DateTime(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('helpful_yes', sa.Integer(), nullable=False),
    sa.Column('helpful_no', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_faq_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_faq_entries_deleted_by_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_faq_entries_question_id_posts')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_faq_entries_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_faq_entries_tag_id_tags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries')),
    sa.UniqueConstraint('question_id', name=op.f('uq_faq_entries_question_id'))
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_entries_tag_id'), ['tag_id'], unique=False)

    op.create_table('faq_nominations',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_faq_nominations_question_id_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_faq_nominations_user_id_users')),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_faq_nominations'))
    )
    op.create_table('question_popularity',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('followers', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('search_clicks', sa.Integer(), nullable=False),
    sa.Column('similar_clicks', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_question_popularity_question_id_posts')),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_question_popularity'))
    )
    with op.batch_alter_table('question_popularity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_popularity_score'), ['score'], unique=False)

    op.create_table('faq_credits',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['posts.id'], name=op.f('fk_faq_credits_answer_id_posts')),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_credits_entry_id_faq_entries')),
    sa.PrimaryKeyConstraint('entry_id', 'answer_id', name=op.f('pk_faq_credits'))
    )
    op.create_table('faq_decisions',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('popularity', sa.Float(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_faq_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_decisions_entry_id_faq_entries')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_faq_decisions_question_id_posts')),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_faq_decisions'))
    )
    op.create_table('faq_reports',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_reports_entry_id_faq_entries')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_faq_reports_user_id_users')),
    sa.PrimaryKeyConstraint('entry_id', 'user_id', name=op.f('pk_faq_reports'))
    )
    op.create_table('faq_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tag_name', sa.String(length=40), nullable=True),
    sa.Column('product_area', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_faq_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_revisions_entry_id_faq_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_revisions')),
    sa.UniqueConstraint('entry_id', 'number', name=op.f('uq_faq_revisions_entry_id'))
    )
    op.create_table('faq_sources',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_sources_entry_id_faq_entries')),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_faq_sources_question_id_posts')),
    sa.PrimaryKeyConstraint('entry_id', 'question_id', name=op.f('pk_faq_sources')),
    sa.UniqueConstraint('question_id', name=op.f('uq_faq_sources_question_id'))
    )
    op.create_table('faq_votes',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_votes_entry_id_faq_entries')),
    sa.PrimaryKeyConstraint('entry_id', 'visitor', name=op.f('pk_faq_votes'))
    )
    with op.batch_alter_table('faq_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_votes_created_at'), ['created_at'], unique=False)

    op.create_table('search_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('faq_entry_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['faq_entry_id'], ['faq_entries.id'], name=op.f('fk_search_events_faq_entry_id_faq_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['posts.id'], name=op.f('fk_search_events_question_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_events'))
    )
    with op.batch_alter_table('search_events', schema=None) as batch_op:
        batch_op.create_index('ix_search_events_kind_created_at', ['kind', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_events_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_events_visitor'), ['visitor'], unique=False)

    op.create_table('faq_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('base_revision_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_note', sa.String(length=300), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_faq_suggestions_author_id_users')),
    sa.ForeignKeyConstraint(['base_revision_id'], ['faq_revisions.id'], name=op.f('fk_faq_suggestions_base_revision_id_faq_revisions')),
    sa.ForeignKeyConstraint(['entry_id'], ['faq_entries.id'], name=op.f('fk_faq_suggestions_entry_id_faq_entries')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_faq_suggestions_reviewer_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['faq_revisions.id'], name=op.f('fk_faq_suggestions_revision_id_faq_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_suggestions'))
    )
    with op.batch_alter_table('faq_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_suggestions_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_suggestions_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_faq_suggestions_status_created_at', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('faq_entry_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reputation_events_faq_entry_id'), ['faq_entry_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reputation_events_faq_entry_id_faq_entries'), 'faq_entries', ['faq_entry_id'], ['id'])



def downgrade():
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reputation_events_faq_entry_id_faq_entries'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reputation_events_faq_entry_id'))
        batch_op.drop_column('faq_entry_id')

    with op.batch_alter_table('faq_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_faq_suggestions_status_created_at')
        batch_op.drop_index(batch_op.f('ix_faq_suggestions_entry_id'))
        batch_op.drop_index(batch_op.f('ix_faq_suggestions_author_id'))

    op.drop_table('faq_suggestions')
    with op.batch_alter_table('search_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_events_visitor'))
        batch_op.drop_index(batch_op.f('ix_search_events_question_id'))
        batch_op.drop_index('ix_search_events_kind_created_at')

    op.drop_table('search_events')
    with op.batch_alter_table('faq_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_votes_created_at'))

    op.drop_table('faq_votes')
    op.drop_table('faq_sources')
    op.drop_table('faq_revisions')
    op.drop_table('faq_reports')
    op.drop_table('faq_decisions')
    op.drop_table('faq_credits')
    with op.batch_alter_table('question_popularity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_popularity_score'))

    op.drop_table('question_popularity')
    op.drop_table('faq_nominations')
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_entries_tag_id'))

    op.drop_table('faq_entries')
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.drop_index('ix_page_views_day')

    op.drop_table('page_views')
