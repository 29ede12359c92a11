"""upload quotas: a record of each accepted upload's size and uploader

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db


revision: str = '0013'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('upload_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('api_client_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_upload_record_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_upload_record_case_id_case')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_upload_record_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_upload_record_person_id_person')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_upload_record_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_record'))
    )
    with op.batch_alter_table('upload_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_record_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_record_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_record_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_record_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('upload_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_record_person_id'))
        batch_op.drop_index(batch_op.f('ix_upload_record_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_upload_record_created_at'))
        batch_op.drop_index(batch_op.f('ix_upload_record_case_id'))

    op.drop_table('upload_record')
