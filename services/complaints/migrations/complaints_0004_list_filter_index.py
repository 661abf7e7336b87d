"""An index for the filtered complaint list (status, category, newest first)

Revision ID: complaints_0004
Revises: complaints_0003
Create Date: 2026-11-23 11:49:49.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = 'complaints_0004'
down_revision: Union[str, Sequence[str], None] = 'complaints_0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_status_category_received', ['status', 'category', 'received_at', 'id'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_status_category_received')
