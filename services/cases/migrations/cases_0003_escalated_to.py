"""The agencies each complaint was escalated to, which may cite it in clues

Revision ID: cases_0003
Revises: cases_0002
Create Date: 2026-12-07 11:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'cases_0003'
down_revision: Union[str, Sequence[str], None] = 'cases_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_REF = sa.table('complaint_ref', sa.column('complaint_id', sa.String), sa.column('escalated_to', sa.JSON))
_CLUE = sa.table('clue', sa.column('source', sa.String), sa.column('source_ref', sa.String),
                 sa.column('agency', sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('complaint_ref', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_to', sa.JSON(), server_default='[]', nullable=False))
    _place_existing_escalations()


def _place_existing_escalations() -> None:
    """An escalated complaint became a clue of source `complaint` for the agency it was escalated to."""
    connection = op.get_bind()
    escalated: dict[str, list[str]] = {}
    for complaint_id, agency in connection.execute(
            sa.select(_CLUE.c.source_ref, _CLUE.c.agency).where(_CLUE.c.source == 'complaint')):
        escalated.setdefault(complaint_id, []).append(agency)
    for complaint_id, agencies in escalated.items():
        connection.execute(_REF.update().where(_REF.c.complaint_id == complaint_id).values(
            escalated_to=sorted(set(agencies))))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint_ref', schema=None) as batch_op:
        batch_op.drop_column('escalated_to')
