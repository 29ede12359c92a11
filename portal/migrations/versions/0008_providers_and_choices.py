"""providers (kundval under LOV), provider choices, and utförare staff's provider

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_number', sa.String(length=11), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('profile', sa.Text(), nullable=False),
    sa.Column('quality', sa.JSON(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('default_for', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_provider_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider')),
    sa.UniqueConstraint('municipality_id', 'organisation_number', name=op.f('uq_provider_municipality_id'))
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('provider_choice',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('chosen_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('chosen_by_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by_id', sa.Uuid(), nullable=True),
    sa.Column('cancelled_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_provider_choice_case_id_case')),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['person.id'], name=op.f('fk_provider_choice_chosen_by_id_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_provider_choice_person_id_person')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_provider_choice_provider_id_provider')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['provider_choice.id'], name=op.f('fk_provider_choice_replaced_by_id_provider_choice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_choice'))
    )
    with op.batch_alter_table('provider_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_choice_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_choice_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_choice_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_user_provider_id_provider'), 'provider', ['provider_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_user_provider_id_provider'), type_='foreignkey')
        batch_op.drop_column('provider_id')

    with op.batch_alter_table('provider_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_choice_provider_id'))
        batch_op.drop_index(batch_op.f('ix_provider_choice_person_id'))
        batch_op.drop_index(batch_op.f('ix_provider_choice_case_id'))

    op.drop_table('provider_choice')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_municipality_id'))

    op.drop_table('provider')
