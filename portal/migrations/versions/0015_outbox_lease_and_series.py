"""outbox: the worker holding an item's lease, and when its series of attempts began

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leased_by', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('series_started_at', portal.db.UTCDateTime(), nullable=True))
    # Items already waiting keep their age: their series began when they were enqueued.
    op.execute("UPDATE outbox_item SET series_started_at = created_at")
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.alter_column('series_started_at', existing_type=portal.db.UTCDateTime(), nullable=False)
        batch_op.alter_column('leased_by', existing_type=sa.String(length=40), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.drop_column('series_started_at')
        batch_op.drop_column('leased_by')
