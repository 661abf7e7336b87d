"""Handling lifecycle, early warning, public stats

Revision ID: complaints_0003
Revises: complaints_0002
Create Date: 2026-11-23 08:13:58.449573

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401

# revision identifiers, used by Alembic.
revision: str = 'complaints_0003'
down_revision: Union[str, Sequence[str], None] = 'complaints_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('complainant_flag',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('complainant_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('complaints_in_window', sa.Integer(), nullable=True),
    sa.Column('subjects_in_window', sa.Integer(), nullable=True),
    sa.Column('flagged_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('flagged_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cleared_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('cleared_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('clear_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complainant_flag_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_complainant_flag_complainant_key'), ['complainant_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complainant_flag_phone_key'), ['phone_key'], unique=False)

    op.create_table('complaint_close_stat',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('scope_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'scope_key', 'hours', 'resolved')
    )
    op.create_table('complaint_cluster',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('subject_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('alerted_count', sa.Integer(), nullable=False),
    sa.Column('last_alert_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject_key', 'category', name='uq_cluster_subject_category')
    )
    op.create_table('complaint_stat',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('scope_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'scope_key', 'category', 'status')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complainant_phone_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('updated_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handed_over_from', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('forwarded_platform', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('forwarded_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('closed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True))
        batch_op.alter_column('due_at',
               existing_type=shared.sqltypes.UtcDateTime(timezone=True),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_complaint_complainant_phone_key'), ['complainant_phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_forwarded_platform'), ['forwarded_platform'], unique=False)
        batch_op.create_index('ix_complaint_region_received', ['subject_region', 'received_at'], unique=False)
        batch_op.create_index('ix_complaint_shop_cluster', ['subject_platform', 'subject_shop_id', 'category', 'received_at'], unique=False)
        batch_op.create_index('ix_complaint_uscc_cluster', ['subject_uscc', 'category', 'received_at'], unique=False)
    op.execute("UPDATE complaint SET updated_at = received_at")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=shared.sqltypes.UtcDateTime(timezone=True), nullable=False)

    with op.batch_alter_table('complaint_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('events', sa.JSON(), server_default='[]', nullable=False))
        batch_op.drop_column('event_ids')



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_ids', sa.JSON(), server_default='[]', nullable=False))
        batch_op.drop_column('events')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_uscc_cluster')
        batch_op.drop_index('ix_complaint_shop_cluster')
        batch_op.drop_index('ix_complaint_region_received')
        batch_op.drop_index(batch_op.f('ix_complaint_forwarded_platform'))
        batch_op.drop_index(batch_op.f('ix_complaint_due_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_complainant_phone_key'))
        batch_op.alter_column('due_at',
               existing_type=shared.sqltypes.UtcDateTime(timezone=True),
               nullable=False)
        batch_op.drop_column('outcome')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('case_id')
        batch_op.drop_column('extended')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('forwarded_at')
        batch_op.drop_column('forwarded_platform')
        batch_op.drop_column('handed_over_from')
        batch_op.drop_column('overdue_for')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('complainant_phone_key')

    op.drop_table('complaint_stat')
    op.drop_table('complaint_cluster')
    op.drop_table('complaint_close_stat')
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complainant_flag_phone_key'))
        batch_op.drop_index(batch_op.f('ix_complainant_flag_complainant_key'))
        batch_op.drop_index(batch_op.f('ix_complainant_flag_active'))

    op.drop_table('complainant_flag')
