"""initial schema

Revision ID: credit_0001
Revises: 
Create Date: 2026-11-23 07:31:38.933005

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401
from shared.messaging.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1


# revision identifiers, used by Alembic.
revision: str = 'credit_0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_messaging_tables_v1()
    op.create_table('subject_complaint',
    sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('received_at', shared.sqltypes.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id')
    )
    with op.batch_alter_table('subject_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_complaint_uscc'), ['uscc'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('subject_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_complaint_uscc'))

    op.drop_table('subject_complaint')
    drop_messaging_tables_v1()
