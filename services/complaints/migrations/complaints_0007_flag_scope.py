"""Where a complainant flag was raised (its complaint, that complaint's lead agency and region): who reviews it

Revision ID: complaints_0007
Revises: complaints_0006
Create Date: 2026-12-06 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)


# revision identifiers, used by Alembic.
revision: str = 'complaints_0007'
down_revision: Union[str, Sequence[str], None] = 'complaints_0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_STEP = sa.table('complaint_step', sa.column('complaint_id', sa.String), sa.column('action', sa.String),
                 sa.column('detail', sa.JSON))
_COMPLAINT = sa.table('complaint', sa.column('id', sa.String), sa.column('lead_agency', sa.String),
                      sa.column('subject_region', sa.String))
_FLAG = sa.table('complainant_flag', sa.column('id', sa.String), sa.column('complaint_id', sa.String),
                 sa.column('agency', sa.String), sa.column('region', sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        batch_op.create_index(batch_op.f('ix_complainant_flag_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_complainant_flag_region'), ['region'], unique=False)
    _place_existing_flags()


def _place_existing_flags() -> None:
    """Each flag's complaint is the one whose timeline step records raising it."""
    connection = op.get_bind()
    raised = connection.execute(
        sa.select(_STEP.c.detail, _COMPLAINT.c.id, _COMPLAINT.c.lead_agency, _COMPLAINT.c.subject_region)
        .join(_COMPLAINT, _COMPLAINT.c.id == _STEP.c.complaint_id)
        .where(_STEP.c.action == 'complainant_flagged')).all()
    for detail, complaint_id, agency, region in raised:
        flag_id = (detail or {}).get('flag_id')
        if flag_id:
            connection.execute(_FLAG.update().where(_FLAG.c.id == flag_id).values(
                complaint_id=complaint_id, agency=agency, region=region))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complainant_flag_region'))
        batch_op.drop_index(batch_op.f('ix_complainant_flag_agency'))
        batch_op.drop_column('region')
        batch_op.drop_column('agency')
        batch_op.drop_column('complaint_id')
