"""The complaint's status, category and received_at on each agency row, for counting an agency's list

Revision ID: complaints_0005
Revises: complaints_0004
Create Date: 2026-11-23 15:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = 'complaints_0005'
down_revision: Union[str, Sequence[str], None] = 'complaints_0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COPIED = ('status', 'category', 'received_at')


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('complaint_agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('received_at', shared.sqltypes.UtcDateTime(), nullable=True))
    op.execute("UPDATE complaint_agency SET " + ", ".join(
        f"{column} = (SELECT complaint.{column} FROM complaint WHERE complaint.id = complaint_agency.complaint_id)"
        for column in COPIED))
    with op.batch_alter_table('complaint_agency', schema=None) as batch_op:
        for column in COPIED:
            batch_op.alter_column(column, nullable=False)
        batch_op.create_index('ix_complaint_agency_list', ['agency', 'status', 'category', 'received_at'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint_agency', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_agency_list')
        for column in reversed(COPIED):
            batch_op.drop_column(column)
