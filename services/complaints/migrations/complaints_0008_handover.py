"""What complaints handed to cases as the source of a clue (escalations, cluster alerts)

Revision ID: complaints_0008
Revises: complaints_0007
Create Date: 2026-12-07 11:30:00.000000

"""
import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
import shared.sqltypes


# revision identifiers, used by Alembic.
revision: str = 'complaints_0008'
down_revision: Union[str, Sequence[str], None] = 'complaints_0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OUTBOX = sa.table('outbox_event', sa.column('event_type', sa.String), sa.column('value', sa.LargeBinary),
                   sa.column('created_at', shared.sqltypes.UtcDateTime()))
_COMPLAINT = sa.table('complaint', sa.column('id', sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    handover = op.create_table('complaint_handover',
    sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', shared.sqltypes.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id', 'source', 'source_ref')
    )
    with op.batch_alter_table('complaint_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_handover_source_ref'), ['source_ref'], unique=False)
    _record_earlier_handovers(handover)


def _record_earlier_handovers(handover: sa.Table) -> None:
    """From the outbox, which keeps every event complaints published: each escalation and each cluster alert."""
    connection = op.get_bind()
    known = set(connection.execute(sa.select(_COMPLAINT.c.id)).scalars())
    rows = {}
    for event_type, value, at in connection.execute(sa.select(_OUTBOX.c.event_type, _OUTBOX.c.value,
                                                              _OUTBOX.c.created_at).where(_OUTBOX.c.event_type.in_(
            ['jointsup.complaint.escalated', 'jointsup.complaint.cluster_alert']))):
        data = json.loads(value)['data']
        if event_type == 'jointsup.complaint.escalated':
            handed = [(data['complaint_id'], 'complaint', data['complaint_id'])]
        else:
            handed = [(complaint_id, 'cluster', data['cluster_id']) for complaint_id in data['complaint_ids']]
        for key in handed:
            if key[0] in known:
                rows.setdefault(key, at)
    if rows:
        op.bulk_insert(handover, [{'complaint_id': c, 'source': s, 'source_ref': r, 'at': at}
                                  for (c, s, r), at in rows.items()])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_handover_source_ref'))
    op.drop_table('complaint_handover')
