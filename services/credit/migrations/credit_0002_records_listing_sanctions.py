"""Records, profiles, listing, sanctions, repair, observations, inspection draws

Revision ID: credit_0002
Revises: credit_0001
Create Date: 2026-11-23 09:06:28.612120

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = 'credit_0002'
down_revision: Union[str, Sequence[str], None] = 'credit_0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('credit_record',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('subject_kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('complainant_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('source_event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('measures', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('fine_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('subjective_intent', sa.Boolean(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('publicity_until', sa.Date(), nullable=True),
    sa.Column('repaired_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_event_id')
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_record_complainant_key'), ['complainant_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_record_uscc'), ['uscc'], unique=False)

    op.create_table('inspection_draw',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('seed', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('inputs', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('drawn', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('observation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('business_tag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('started', sa.Boolean(), nullable=False),
    sa.Column('ended', sa.Boolean(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_business_tag'), ['business_tag'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_uscc'), ['uscc'], unique=False)

    op.create_table('subject',
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('explanation', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('updated_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uscc')
    )
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_tier'), ['tier'], unique=False)

    op.create_table('subject_case',
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('subject_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_case_uscc'), ['uscc'], unique=False)

    op.create_table('subject_cluster',
    sa.Column('cluster_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('alerted_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('cluster_id')
    )
    with op.batch_alter_table('subject_cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_cluster_uscc'), ['uscc'], unique=False)

    op.create_table('listing_proposal',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('record_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reasons', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('hearing_due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('listing_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_proposal_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_proposal_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_proposal_uscc'), ['uscc'], unique=False)

    op.create_table('repair',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('record_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('evidence', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('obligations_met', sa.Boolean(), nullable=False),
    sa.Column('commitment', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('repair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_uscc'), ['uscc'], unique=False)

    op.create_table('listing',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('proposal_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('record_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('removal_request_from', sa.Date(), nullable=False),
    sa.Column('remove_by', sa.Date(), nullable=False),
    sa.Column('removed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('removal_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['listing_proposal.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_remove_by'), ['remove_by'], unique=False)
        batch_op.create_index('ix_listing_uscc_status', ['uscc', 'status'], unique=False)

    op.create_table('sanction',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('listing_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('due_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('overdue_for', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('executed_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.Column('executed_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('lifted_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sanction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_agency'), ['agency'], unique=False)
        batch_op.create_index('ix_sanction_check', ['uscc', 'measure', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanction_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanction_listing_id'), ['listing_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sanction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_listing_id'))
        batch_op.drop_index(batch_op.f('ix_sanction_due_at'))
        batch_op.drop_index('ix_sanction_check')
        batch_op.drop_index(batch_op.f('ix_sanction_agency'))

    op.drop_table('sanction')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_uscc_status')
        batch_op.drop_index(batch_op.f('ix_listing_remove_by'))

    op.drop_table('listing')
    with op.batch_alter_table('repair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_uscc'))
        batch_op.drop_index(batch_op.f('ix_repair_status'))

    op.drop_table('repair')
    with op.batch_alter_table('listing_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_proposal_uscc'))
        batch_op.drop_index(batch_op.f('ix_listing_proposal_status'))
        batch_op.drop_index(batch_op.f('ix_listing_proposal_agency'))

    op.drop_table('listing_proposal')
    with op.batch_alter_table('subject_cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_cluster_uscc'))

    op.drop_table('subject_cluster')
    with op.batch_alter_table('subject_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_case_uscc'))

    op.drop_table('subject_case')
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_tier'))
        batch_op.drop_index(batch_op.f('ix_subject_region'))

    op.drop_table('subject')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_uscc'))
        batch_op.drop_index(batch_op.f('ix_observation_ends_on'))
        batch_op.drop_index(batch_op.f('ix_observation_business_tag'))

    op.drop_table('observation')
    op.drop_table('inspection_draw')
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_record_uscc'))
        batch_op.drop_index(batch_op.f('ix_credit_record_complainant_key'))

    op.drop_table('credit_record')
