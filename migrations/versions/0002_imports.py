"""Import mappings (original ids of imported rows) and attribution of imported posts

Revision ID: 0002_imports
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_imports'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=False),
    sa.Column('local_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
    sa.UniqueConstraint('site', 'kind', 'original_id', name=op.f('uq_import_mappings_site'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_url', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('origin_author', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('origin_license', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('origin_license')
        batch_op.drop_column('origin_author')
        batch_op.drop_column('origin_url')

    op.drop_table('import_mappings')
