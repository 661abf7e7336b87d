"""One unit of work for every service: aggregates are loaded and added through repositories, and saved together
with the events they recorded (into the outbox) and their timeline steps, in one transaction.

A use case opens one (`async with UnitOfWork.begin(runtime) as uow`), or a consumer's handler joins the
transaction the consumer runtime holds (`UnitOfWork(runtime, session)`): `commit()` then saves everything and
leaves the commit to the consumer, which records the event as handled in the same transaction.
"""
import copy
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar

from sqlalchemy import Table
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import for_update
from shared.domain import Aggregate, Step
from shared.runtime import ServiceRuntime

A = TypeVar("A", bound=Aggregate)


class Timeline:
    """Where one kind of aggregate's timeline steps are written: a step table and the column naming the owner."""

    def __init__(self, table: Table, owner: str):
        self.insert, self.owner = table.insert(), owner

    def rows(self, owner_id: str, steps: list[Step]) -> list[dict]:
        return [{self.owner: owner_id, "at": s.at, "actor": s.actor, "action": s.action, "detail": s.detail,
                 "due_at": s.due_at, "events": s.events} for s in steps]


class Repository(Generic[A]):
    """Loads one kind of aggregate from its table and saves it back, field by field: each field of the aggregate
    (a dataclass) is a column of the table, of the same name. A service's repository adds its queries and keeps
    the side tables of its aggregate in step (`saved`)."""

    aggregate: ClassVar[type]
    table: ClassVar[type[SQLModel]]
    timeline: ClassVar[Timeline | None] = None

    def __init__(self, uow: "UnitOfWork"):
        self.uow = uow
        self._rows: dict[int, Any] = {}  # id(aggregate) → its loaded row; none for one added
        self._by_key: dict[str, A] = {}  # one aggregate per row in a unit of work, however often it is loaded

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    async def get(self, key: str, *, lock: bool = False) -> A | None:
        """The aggregate `key` names, or None; `lock` holds its row until the transaction ends (PostgreSQL)."""
        if key in self._by_key:
            return self._by_key[key]
        query = select(self.table).where(self.table.id == key)
        row = (await self.session.exec(for_update(query, self.session) if lock else query)).first()
        return None if row is None else self.loaded(row)

    def loaded(self, row) -> A:
        """The aggregate a row holds, tracked by the unit of work (the one already made of it, if any)."""
        if (known := self._by_key.get(row.id)) is not None:
            return known
        aggregate = self.aggregate(**{f.name: copy.copy(getattr(row, f.name))  # its lists are its own
                                      for f in dataclasses.fields(self.aggregate)})
        self._rows[id(aggregate)] = row
        self._by_key[row.id] = aggregate
        self.uow.track(aggregate, self)
        return aggregate

    def add(self, aggregate: A) -> A:
        """A new aggregate, inserted when the unit of work saves."""
        self._by_key[aggregate.id] = aggregate
        self.uow.track(aggregate, self)
        return aggregate

    async def save(self, aggregate: A) -> None:
        """Write the aggregate's fields to its row (a new row for one added), then keep the side tables in step."""
        values = _values(aggregate)
        row = self._rows.get(id(aggregate))
        if row is None:
            row = self.table(**values)
            self._rows[id(aggregate)] = row
        else:
            for name, value in values.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
        self.session.add(row)
        await self.saved(aggregate)

    def timeline_owner(self, aggregate: A) -> str:
        """Whose timeline the aggregate's steps are on: its own, unless it lives on another's (a case's referral)."""
        return aggregate.id

    async def saved(self, aggregate: A) -> None:
        """What else changes with the aggregate (rows behind scoped reads, counters); nothing by default."""


def _values(aggregate: Aggregate) -> dict:
    return {f.name: getattr(aggregate, f.name) for f in dataclasses.fields(aggregate)}


class UnitOfWork:
    """One transaction over a service's aggregates; `now` is its one moment, `calendar` its working days."""

    def __init__(self, runtime: ServiceRuntime, session: AsyncSession, *, now: datetime | None = None,
                 owns_transaction: bool = False):
        self.runtime, self.session = runtime, session
        self.now = now or runtime.now()
        self.calendar = runtime.calendar
        self._owns = owns_transaction
        self._tracked: dict[int, tuple[Aggregate, Repository]] = {}

    @classmethod
    @asynccontextmanager
    async def begin(cls, runtime: ServiceRuntime, *, now: datetime | None = None) -> AsyncIterator[Self]:
        """A unit of work on a session of its own: what is not committed is rolled back when it ends."""
        async with runtime.sessionmaker() as session:
            yield cls(runtime, session, now=now, owns_transaction=True)

    def track(self, aggregate: Aggregate, repository: Repository) -> None:
        self._tracked.setdefault(id(aggregate), (aggregate, repository))

    async def flush(self) -> None:
        """Save every tracked aggregate, its recorded events into the outbox and its steps onto its timeline."""
        steps: dict[Timeline, list[dict]] = {}
        for aggregate, repository in list(self._tracked.values()):
            await repository.save(aggregate)
            events, taken = aggregate.take()
            for event in events:
                self.runtime.outbox.add(self.session, event.type, subject=event.subject, data=event.payload,
                                        event_id=event.id)
            if taken and repository.timeline is not None:
                steps.setdefault(repository.timeline, []).extend(repository.timeline.rows(
                    repository.timeline_owner(aggregate), taken))
        await self.session.flush()
        for timeline, rows in steps.items():
            await (await self.session.connection()).execute(timeline.insert, rows)

    async def commit(self) -> None:
        """Save everything; commit, unless the transaction is a consumer's (it commits with the event handled)."""
        await self.flush()
        if self._owns:
            await self.session.commit()

    async def rollback(self) -> None:
        self._tracked.clear()
        await self.session.rollback()
