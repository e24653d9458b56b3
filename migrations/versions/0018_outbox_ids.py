"""Search outbox ids never reused on SQLite (AUTOINCREMENT)

A drain reads a batch of rows, indexes their questions, then deletes the batch by id. SQLite
gives a new row the highest rowid plus one, so once a drain has emptied the table another
worker's new row could take an id a slower drain still holds, and be deleted unindexed.
PostgreSQL's sequence never goes back: nothing to do there.

Revision ID: 0018_outbox_ids
Revises: 0017_expert_queue
Create Date: 2026-11-26 11:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0018_outbox_ids"
down_revision = "0017_expert_queue"
branch_labels = None
depends_on = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "search_outbox", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
