"""Each user's ledger sum kept on the user row, so a vote never sums a whole ledger

Revision ID: 0019_ledger_total
Revises: 0018_outbox_ids
Create Date: 2026-11-26 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_ledger_total"
down_revision = "0018_outbox_ids"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_total", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE users SET ledger_total = totals.total FROM "
        "(SELECT user_id, sum(delta) AS total FROM reputation_events GROUP BY user_id) AS totals "
        "WHERE totals.user_id = users.id"
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("ledger_total")
