"""Sent events stay in the outbox for a while, so that a broker which lost them can be sent them again."""
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine


async def forget_sent(engine: AsyncEngine, table: Table, *, before: datetime, batch: int = 1000) -> int:
    """Delete the events sent before `before`, oldest first and `batch` to a transaction; how many went.

    Never an unsent one, nor one after the first event (in sequence order) sent since `before`: the scan
    stops where the window begins instead of reading the whole window each time."""
    c = table.c
    async with engine.connect() as conn:
        kept = (await conn.execute(select(c.seq).where(c.published_at >= before)
                                   .order_by(c.seq).limit(1))).scalar()
    doomed = select(c.seq).where(c.published_at < before)
    if kept is not None:
        doomed = doomed.where(c.seq < kept)
    forgotten = 0
    while True:
        async with engine.begin() as conn:
            gone = (await conn.execute(delete(table).where(
                c.seq.in_(doomed.order_by(c.seq).limit(batch).scalar_subquery())))).rowcount
        forgotten += gone
        if gone < batch:
            return forgotten
