"""A flag's clearing reason holds what the API accepts (2,000 characters, as every other reason)

Revision ID: complaints_0006
Revises: complaints_0005
Create Date: 2026-12-04 21:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)


# revision identifiers, used by Alembic.
revision: str = 'complaints_0006'
down_revision: Union[str, Sequence[str], None] = 'complaints_0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.alter_column('clear_reason', existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=2000), existing_nullable=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complainant_flag', schema=None) as batch_op:
        batch_op.alter_column('clear_reason', existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=500), existing_nullable=True)
