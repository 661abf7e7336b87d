"""initial schema

Revision ID: cases_0001
Revises: 
Create Date: 2026-11-23 07:31:37.326958

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401
from shared.messaging.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1


# revision identifiers, used by Alembic.
revision: str = 'cases_0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('complaint_ref',
    sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('subject_region', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('lead_agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('received_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id')
    )
    with op.batch_alter_table('complaint_ref', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_ref_subject_uscc'), ['subject_uscc'], unique=False)

    create_messaging_tables_v1()


def downgrade() -> None:
    """Downgrade schema."""
    drop_messaging_tables_v1()
    with op.batch_alter_table('complaint_ref', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_ref_subject_uscc'))

    op.drop_table('complaint_ref')
