"""A listing's basis, and its record's summary, hold every reason of the proposal and the decision's

Revision ID: credit_0003
Revises: credit_0002
Create Date: 2026-12-04 21:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)


# revision identifiers, used by Alembic.
revision: str = 'credit_0003'
down_revision: Union[str, Sequence[str], None] = 'credit_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WIDENED = (('listing', 'basis', 1000, False), ('credit_record', 'summary', 2000, True))


def upgrade() -> None:
    """Upgrade schema."""
    for table, column, length, nullable in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sqlmodel.sql.sqltypes.AutoString(length=length),
                                  type_=sa.Text(), existing_nullable=nullable)


def downgrade() -> None:
    """Downgrade schema (a longer basis or summary is cut to the old length)."""
    for table, column, length, nullable in WIDENED:
        op.execute(f"UPDATE {table} SET {column} = substr({column}, 1, {length}) WHERE length({column}) > {length}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Text(),
                                  type_=sqlmodel.sql.sqltypes.AutoString(length=length), existing_nullable=nullable)
