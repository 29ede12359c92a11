"""representation: fullmakt, god man, förvaltare, vårdnadshavare, dödsbodelägare; acting for someone

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('representation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('eservice_ids', sa.JSON(), nullable=False),
    sa.Column('can_read', sa.Boolean(), nullable=False),
    sa.Column('can_message', sa.Boolean(), nullable=False),
    sa.Column('can_apply', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('valid_from', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_type', sa.String(length=20), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_text', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('ocsp_response', sa.Text(), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=False),
    sa.Column('signed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('document_file_id', sa.Uuid(), nullable=True),
    sa.Column('document_filename', sa.String(length=255), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_case_id', sa.Uuid(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['person.id'], name=op.f('fk_representation_agent_id_person')),
    sa.ForeignKeyConstraint(['document_file_id'], ['stored_file.id'], name=op.f('fk_representation_document_file_id_stored_file')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_representation_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['principal_id'], ['person.id'], name=op.f('fk_representation_principal_id_person')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['staff_user.id'], name=op.f('fk_representation_registered_by_id_staff_user')),
    sa.ForeignKeyConstraint(['source_case_id'], ['case.id'], name=op.f('fk_representation_source_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation'))
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representation_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representation_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representation_principal_id'), ['principal_id'], unique=False)

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_representation_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_login_session_acting_representation_id_representation'), 'representation', ['acting_representation_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_login_session_acting_representation_id_representation'), type_='foreignkey')
        batch_op.drop_column('acting_representation_id')

    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_principal_id'))
        batch_op.drop_index(batch_op.f('ix_representation_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_representation_agent_id'))

    op.drop_table('representation')
