"""The expert queue's questions (open, visible, no accepted answer) in an index of their own

Revision ID: 0017_expert_queue
Revises: 0016_search_order
Create Date: 2026-11-26 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0017_expert_queue"
down_revision = "0016_search_order"
branch_labels = None
depends_on = None

QUEUE = (
    "type = 'question' AND accepted_answer_id IS NULL AND deleted_at IS NULL "
    "AND (status = 'open' OR status IS NULL)"
)


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_expert_queue",
            ["created_at", "id", "answer_count"],
            postgresql_where=sa.text(QUEUE),
            sqlite_where=sa.text(QUEUE),
        )


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_expert_queue")
