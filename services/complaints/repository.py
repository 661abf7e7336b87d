"""Complaints in and out of the database: the aggregate's row, and what moves with it (the handling agencies'
rows behind scoped reads, the public counters) and its timeline."""
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, delete, update
from sqlmodel import select

from shared.unit_of_work import Repository, Timeline, UnitOfWork

from . import stats
from .handovers import Handovers
from .domain.complaint import Complaint
from .domain.deadlines import Schedule
from .domain.stats import StatKey
from .tables import Complaint as ComplaintRow
from .tables import ComplaintAgency, ComplaintStep

# A new complaint and its agency rows are appended with plain INSERTs: the ORM's unit of work cost about three
# times as much on the intake path, and the agency rows never change once written.
_INSERT_COMPLAINT = ComplaintRow.__table__.insert()
_INSERT_AGENCIES = ComplaintAgency.__table__.insert()
_BY_EXTERNAL_REF = select(ComplaintRow).where(ComplaintRow.channel == bindparam("channel"),
                                              ComplaintRow.external_ref == bindparam("external_ref"))
_FIELDS = [f.name for f in fields(Complaint)]


@dataclass(frozen=True)
class _Listed:
    """What the complaint's side tables last saw of it."""

    lead: str
    co: tuple[str, ...]
    status: str
    category: str
    stat: StatKey


def _listed(complaint: Complaint) -> _Listed:
    return _Listed(complaint.lead_agency, tuple(complaint.co_agencies), complaint.status, complaint.category,
                   stats.stat_key(complaint))


class ComplaintRepository(Repository[Complaint]):
    aggregate = Complaint
    table = ComplaintRow
    timeline = Timeline(ComplaintStep.__table__, "complaint_id")

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self._listed: dict[int, _Listed | None] = {}  # id(aggregate) → its side tables as saved; None: not yet

    def loaded(self, row) -> Complaint:
        complaint = super().loaded(row)
        self._listed.setdefault(id(complaint), _listed(complaint))
        return complaint

    async def by_external_ref(self, channel: str, external_ref: str) -> Complaint | None:
        """The complaint a channel already sent under its own reference."""
        row = (await self.session.exec(_BY_EXTERNAL_REF, params={"channel": channel,
                                                                 "external_ref": external_ref})).first()
        return None if row is None else self.loaded(row)

    async def save(self, complaint: Complaint) -> None:
        before = self._listed.get(id(complaint))
        if before is None:
            await self._insert(complaint)
        elif id(complaint) in self._rows:
            await super().save(complaint)
        else:  # inserted by an earlier flush of this unit of work
            await self.session.exec(update(ComplaintRow).where(ComplaintRow.id == complaint.id).values(
                {name: getattr(complaint, name) for name in _FIELDS}))
        after = _listed(complaint)
        if before is not None and (before.lead, before.co) != (after.lead, after.co):
            await self._list_agencies(complaint, replace=True)
        elif before is not None and (before.status, before.category) != (after.status, after.category):
            await self.session.exec(update(ComplaintAgency).where(ComplaintAgency.complaint_id == complaint.id)
                                    .values(status=complaint.status, category=complaint.category))
        stats.move(self.session, before.stat if before else None, after.stat)
        if complaint.status == "closed" and (before is None or before.status != "closed"):
            stats.record_closing(self.session, complaint, complaint.closed_at)
        self._listed[id(complaint)] = after

    async def _insert(self, complaint: Complaint) -> None:
        connection = await self.session.connection()
        await connection.execute(_INSERT_COMPLAINT, {name: getattr(complaint, name) for name in _FIELDS})
        await self._list_agencies(complaint)

    async def _list_agencies(self, complaint: Complaint, *, replace: bool = False) -> None:
        """The lead and co-handling agencies' rows, as the complaint stands now."""
        connection = await self.session.connection()
        if replace:
            await connection.execute(delete(ComplaintAgency).where(ComplaintAgency.complaint_id == complaint.id))
        await connection.execute(_INSERT_AGENCIES, [
            {"complaint_id": complaint.id, "agency": agency, "role": role, "status": complaint.status,
             "category": complaint.category, "received_at": complaint.received_at}
            for agency, role in ((complaint.lead_agency, "lead"), *((a, "co") for a in complaint.co_agencies))])


class ComplaintsUnitOfWork(UnitOfWork):
    """The complaints service's unit of work: its repository and the deadline schedule commands use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaints = ComplaintRepository(self)
        self.handovers = Handovers(self.session)
        self.schedule = Schedule(self.runtime.settings.deadlines, self.calendar)
