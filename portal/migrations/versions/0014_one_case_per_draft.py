"""one case per signed draft: case.draft_id, unique

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_id', sa.Uuid(), nullable=True))
    # Each draft already names the one case it became (draft.case_id): the cases before this revision get
    # their draft from there. A duplicate made by the old race has no draft pointing at it and stays without.
    op.execute(
        'UPDATE "case" SET draft_id = (SELECT draft.id FROM draft WHERE draft.case_id = "case".id)'
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_case_draft_id'), ['draft_id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_draft_id_draft'), 'draft', ['draft_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_draft_id_draft'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_case_draft_id'), type_='unique')
        batch_op.drop_column('draft_id')
