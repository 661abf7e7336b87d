"""An in-memory unit of work for the cases use cases (cosmicpython's FakeRepository / FakeUnitOfWork): who may
act and what is saved, checked with no database and no broker."""
from datetime import datetime
from types import SimpleNamespace

from services.cases.domain.deadlines import Schedule
from services.cases.settings import CasesSettings
from shared.registry import Registry
from shared.workdays import WorkingCalendar

REGISTRY = Registry.load()


class FakeRepository:
    def __init__(self, aggregates=()):
        self.stored = {a.id: a for a in aggregates}

    async def get(self, key: str, *, lock: bool = False):
        return self.stored.get(key)

    def add(self, aggregate):
        self.stored[aggregate.id] = aggregate
        return aggregate


class FakeClues(FakeRepository):
    async def by_source(self, source: str, source_ref: str):
        return next((c for c in self.stored.values() if (c.source, c.source_ref) == (source, source_ref)), None)


class FakeCases(FakeRepository):
    def __init__(self, aggregates=(), participants: dict[str, set[str]] | None = None):
        super().__init__(aggregates)
        self.taking_part = participants or {}

    async def participants(self, case_id: str) -> set[str]:
        owner = {self.stored[case_id].agency} if case_id in self.stored else set()
        return owner | self.taking_part.get(case_id, set())

    async def open_on(self, subject_key: str, category: str):
        return next((c for c in self.stored.values() if (c.subject_key, c.category) == (subject_key, category)
                     and c.status in ("filed", "investigating", "decided")), None)


class FakeUnitOfWork:
    def __init__(self, *, now: datetime, clues=(), cases=(), referrals=(), assists=(), joint_actions=(),
                 participants: dict[str, set[str]] | None = None):
        settings = CasesSettings()
        self.runtime = SimpleNamespace(registry=REGISTRY, settings=settings)
        self.now, self.schedule = now, Schedule(settings.deadlines, WorkingCalendar())
        self.clues, self.cases = FakeClues(clues), FakeCases(cases, participants)
        self.referrals, self.assists = FakeRepository(referrals), FakeRepository(assists)
        self.joint_actions = FakeRepository(joint_actions)
        self.committed = 0

    async def commit(self) -> None:
        self.committed += 1
