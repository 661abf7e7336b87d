"""An in-memory unit of work for the complaints use cases (cosmicpython's FakeRepository / FakeUnitOfWork): the
use cases' rules checked with no database and no broker."""
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

from services.complaints.domain.complaint import Complaint
from services.complaints.domain.deadlines import Schedule
from services.complaints.settings import ComplaintsSettings
from shared.registry import Registry
from shared.workdays import WorkingCalendar

REGISTRY = Registry.load()


class FakeComplaints:
    def __init__(self, complaints: list[Complaint]):
        self.stored = {c.id: c for c in complaints}

    async def get(self, key: str, *, lock: bool = False) -> Complaint | None:
        return self.stored.get(key)

    def add(self, complaint: Complaint) -> Complaint:
        self.stored[complaint.id] = complaint
        return complaint


class FakeHandovers:
    def __init__(self):
        self.recorded: list[tuple[list[str], tuple[str, str]]] = []

    async def record(self, complaint_ids, handover, at) -> None:
        self.recorded.append((list(complaint_ids), handover))


class FakeUnitOfWork:
    def __init__(self, *complaints: Complaint, now: datetime):
        settings = ComplaintsSettings()
        self.runtime = SimpleNamespace(registry=REGISTRY, settings=settings)
        self.now, self.schedule = now, Schedule(settings.deadlines, WorkingCalendar())
        self.complaints, self.handovers = FakeComplaints([replace(c) for c in complaints]), FakeHandovers()
        self.committed = 0

    async def commit(self) -> None:
        self.committed += 1
