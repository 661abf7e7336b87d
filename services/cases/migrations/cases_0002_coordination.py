"""Clues, cases, referrals, assists, joint actions

Revision ID: cases_0002
Revises: cases_0001
Create Date: 2026-11-23 08:45:13.538672

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = 'cases_0002'
down_revision: Union[str, Sequence[str], None] = 'cases_0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('case_file',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('subject_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subject_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('subject_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('subject_platform', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('subject_shop_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('subject_region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('filed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('complaint_ids', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('clue_ids', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('measures', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('fine_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('ground', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('closed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('updated_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_subject_region'), ['subject_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_subject_uscc'), ['subject_uscc'], unique=False)
        batch_op.create_index('ix_case_subject_category', ['subject_key', 'category', 'status'], unique=False)

    op.create_table('clue',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('subject_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('subject_platform', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('subject_shop_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('subject_region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('complaint_ids', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'source_ref', name='uq_clue_source_ref')
    )
    with op.batch_alter_table('clue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clue_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_clue_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clue_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_clue_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_clue_subject_region'), ['subject_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_clue_subject_uscc'), ['subject_uscc'], unique=False)

    op.create_table('observation_ref',
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    op.create_table('assist',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('from_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('to_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('request', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('responded_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assist', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assist_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_assist_to_agency'), ['to_agency'], unique=False)

    op.create_table('case_participant',
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'agency')
    )
    with op.batch_alter_table('case_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_participant_agency'), ['agency'], unique=False)

    op.create_table('case_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('events', sa.JSON(), server_default='[]', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_step_case_id'), ['case_id'], unique=False)

    op.create_table('joint_action',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('lead_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('participants', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('joint_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_action_case_id'), ['case_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('from_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('to_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('documents', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('forwarded_from', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_from_agency'), ['from_agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_to_agency'), ['to_agency'], unique=False)

    op.create_table('consultation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('action_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('conclusions', sa.Text(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('recorded_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['joint_action.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_action_id'), ['action_id'], unique=False)

    op.create_table('joint_task',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('action_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('completed_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('completed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['joint_action.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('joint_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_task_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_task_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_task_done'), ['done'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('joint_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_task_done'))
        batch_op.drop_index(batch_op.f('ix_joint_task_agency'))
        batch_op.drop_index(batch_op.f('ix_joint_task_action_id'))

    op.drop_table('joint_task')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_action_id'))

    op.drop_table('consultation')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_to_agency'))
        batch_op.drop_index(batch_op.f('ix_referral_status'))
        batch_op.drop_index(batch_op.f('ix_referral_from_agency'))
        batch_op.drop_index(batch_op.f('ix_referral_due_at'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))

    op.drop_table('referral')
    with op.batch_alter_table('joint_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_action_case_id'))

    op.drop_table('joint_action')
    with op.batch_alter_table('case_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_step_case_id'))

    op.drop_table('case_step')
    with op.batch_alter_table('case_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_participant_agency'))

    op.drop_table('case_participant')
    with op.batch_alter_table('assist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assist_to_agency'))
        batch_op.drop_index(batch_op.f('ix_assist_status'))
        batch_op.drop_index(batch_op.f('ix_assist_due_at'))
        batch_op.drop_index(batch_op.f('ix_assist_case_id'))

    op.drop_table('assist')
    op.drop_table('observation_ref')
    with op.batch_alter_table('clue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clue_subject_uscc'))
        batch_op.drop_index(batch_op.f('ix_clue_subject_region'))
        batch_op.drop_index(batch_op.f('ix_clue_status'))
        batch_op.drop_index(batch_op.f('ix_clue_due_at'))
        batch_op.drop_index(batch_op.f('ix_clue_case_id'))
        batch_op.drop_index(batch_op.f('ix_clue_agency'))

    op.drop_table('clue')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_subject_category')
        batch_op.drop_index(batch_op.f('ix_case_file_subject_uscc'))
        batch_op.drop_index(batch_op.f('ix_case_file_subject_region'))
        batch_op.drop_index(batch_op.f('ix_case_file_status'))
        batch_op.drop_index(batch_op.f('ix_case_file_due_at'))
        batch_op.drop_index(batch_op.f('ix_case_file_agency'))

    op.drop_table('case_file')
