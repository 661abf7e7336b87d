"""The complaints handed to cases (`complaint_handover`), and which of a clue's or case's complaints they cover:
the unit of work's `handovers`."""
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import per_dialect

from .domain.handover import Handover
from .tables import ComplaintHandover

_RECORD = per_dialect(lambda insert: insert(ComplaintHandover.__table__).on_conflict_do_nothing())


class Handovers:
    """The handovers in one unit of work's transaction."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def record(self, complaint_ids: list[str], handover: Handover, at: datetime) -> None:
        await record(self.session, complaint_ids, handover, at)

    async def handed_over(self, complaint_ids: list[str], handover: Handover | None) -> set[str]:
        return await handed_over(self.session, complaint_ids, handover)

    async def of(self, complaint_ids: list[str]) -> dict[str, set[Handover]]:
        return await handovers_of(self.session, complaint_ids)


async def record(session: AsyncSession, complaint_ids: list[str], handover: Handover, at: datetime) -> None:
    """These complaints were handed to cases as `handover` (a repeat changes nothing)."""
    source, ref = handover
    await (await session.connection()).execute(_RECORD(session), [
        {"complaint_id": complaint_id, "source": source, "source_ref": ref, "at": at}
        for complaint_id in dict.fromkeys(complaint_ids)])


async def handed_over(session: AsyncSession, complaint_ids: list[str], handover: Handover | None) -> set[str]:
    """Those of `complaint_ids` that were handed to cases as `handover`."""
    if handover is None or not complaint_ids:
        return set()
    source, ref = handover
    return set((await session.exec(select(ComplaintHandover.complaint_id).where(
        ComplaintHandover.source == source, ComplaintHandover.source_ref == ref,
        ComplaintHandover.complaint_id.in_(set(complaint_ids))))).all())


async def handovers_of(session: AsyncSession, complaint_ids: list[str]) -> dict[str, set[Handover]]:
    """Every handover of each complaint."""
    found: dict[str, set[Handover]] = {complaint_id: set() for complaint_id in complaint_ids}
    for complaint_id, source, ref in (await session.exec(select(
            ComplaintHandover.complaint_id, ComplaintHandover.source, ComplaintHandover.source_ref).where(
            ComplaintHandover.complaint_id.in_(set(complaint_ids))))).all():
        found[complaint_id].add((source, ref))
    return found
