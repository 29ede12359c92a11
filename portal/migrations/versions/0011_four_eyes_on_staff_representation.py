"""four eyes on staff-registered representation: who approved or refused it, and why refused

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db


revision: str = '0011'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_representation_reviewed_by_id_staff_user'), 'staff_user', ['reviewed_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_representation_reviewed_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
