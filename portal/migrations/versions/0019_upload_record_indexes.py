"""upload_record: indexes on the staff and API client foreign keys (every foreign key has an index)

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02 09:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('upload_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_record_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_record_api_client_id'), ['api_client_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('upload_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_record_api_client_id'))
        batch_op.drop_index(batch_op.f('ix_upload_record_staff_id'))
