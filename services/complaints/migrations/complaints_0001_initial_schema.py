"""initial schema

Revision ID: complaints_0001
Revises: 
Create Date: 2026-11-23 07:31:35.818760

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401
from shared.messaging.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1


# revision identifiers, used by Alembic.
revision: str = 'complaints_0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('complaint',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('external_ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('category_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('subject_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('subject_platform', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('subject_shop_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('subject_region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('occurred_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('complainant_enc', sa.Text(), nullable=True),
    sa.Column('complainant_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('lead_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('co_agencies', sa.JSON(), nullable=False),
    sa.Column('intake_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('received_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'external_ref', name='uq_complaint_channel_ref')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_complainant_key'), ['complainant_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_lead_agency'), ['lead_agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_subject_platform'), ['subject_platform'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_subject_region'), ['subject_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_subject_uscc'), ['subject_uscc'], unique=False)

    create_messaging_tables_v1()
    op.create_table('complaint_agency',
    sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('complaint_id', 'agency')
    )
    with op.batch_alter_table('complaint_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_agency_agency'), ['agency'], unique=False)

    op.create_table('complaint_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('event_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_step_complaint_id'), ['complaint_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_step_complaint_id'))

    op.drop_table('complaint_step')
    with op.batch_alter_table('complaint_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_agency_agency'))

    op.drop_table('complaint_agency')
    drop_messaging_tables_v1()
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_subject_uscc'))
        batch_op.drop_index(batch_op.f('ix_complaint_subject_region'))
        batch_op.drop_index(batch_op.f('ix_complaint_subject_platform'))
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_lead_agency'))
        batch_op.drop_index(batch_op.f('ix_complaint_complainant_key'))
        batch_op.drop_index(batch_op.f('ix_complaint_category'))

    op.drop_table('complaint')
