"""fullmakt offered to a personnummer and accepted by the agent with their own e-ID

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db


revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_number', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('offer_expires_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acceptance', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_representation_agent_number'), ['agent_number'], unique=False)
    # Fullmakter signed before this revision were valid at once: their agents count as having accepted.
    op.execute(
        "UPDATE representation SET agent_number = (SELECT personal_number FROM person WHERE person.id = representation.agent_id)"
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.alter_column('agent_number', server_default=None)
        batch_op.alter_column('acceptance', server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM representation WHERE agent_id IS NULL")
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_agent_number'))
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('acceptance')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('offer_expires_at')
        batch_op.drop_column('agent_number')
