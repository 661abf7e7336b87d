"""An in-memory unit of work for the credit use cases (cosmicpython's FakeRepository / FakeUnitOfWork): who may
act on a record, listing, sanction or repair, and what an action leaves behind, with no database and no broker."""
from dataclasses import replace
from datetime import date, datetime
from types import SimpleNamespace

from services.credit.domain.draws import InspectionDraw
from services.credit.domain.listing import Listing, ListingProposal
from services.credit.domain.observation import Observation
from services.credit.domain.record import Record
from services.credit.domain.repair import Repair
from services.credit.domain.sanctions import Sanction
from services.credit.domain.scoring import Facts, PenaltyFact
from services.credit.domain.subject import Subject
from services.credit.rules_file import load_catalogue, load_rules
from services.credit.settings import CreditSettings
from shared.registry import Registry
from shared.workdays import WorkingCalendar

REGISTRY = Registry.load()


class FakeRepository:
    def __init__(self):
        self.stored: dict = {}

    async def get(self, key: str, *, lock: bool = False):
        return self.stored.get(key)

    def add(self, aggregate):
        self.stored[aggregate.id] = aggregate
        return aggregate

    def where(self, **equal) -> list:
        return [a for a in self.stored.values() if all(getattr(a, k) == v for k, v in equal.items())]


class FakeProposals(FakeRepository):
    async def open_for(self, record_id: str) -> ListingProposal | None:
        return next((p for p in self.where(record_id=record_id) if p.status in ("noticed", "listed")), None)


class FakeListings(FakeRepository):
    async def active_on(self, record_id: str) -> Listing | None:
        return next(iter(self.where(record_id=record_id, status="active")), None)


class FakeSanctions(FakeRepository):
    async def of_listing(self, listing_id: str) -> list[Sanction]:
        return [s for s in self.where(listing_id=listing_id) if s.status != "lifted"]


class FakeSubjects(FakeRepository):
    def __init__(self, uow: "FakeUnitOfWork"):
        super().__init__()
        self.uow = uow

    async def locked(self, uscc: str) -> Subject:
        return self.stored.get(uscc) or self.add(Subject(uscc=uscc, updated_at=self.uow.now))


class FakeFacts:
    """What the score counts, from the records, listings and repairs in memory (none of the other services')."""

    def __init__(self, uow: "FakeUnitOfWork"):
        self.uow = uow

    async def of(self, uscc: str, *, today: date) -> Facts:
        uow = self.uow
        penalties = [r for r in uow.records.where(uscc=uscc, kind="penalty", outcome="penalty")
                     if r.repaired_at is None and r.revoked_at is None]
        return Facts(penalties=tuple(PenaltyFact(r.id, r.severity or "minor", r.decided_on) for r in penalties),
                     listings=tuple(li.id for li in uow.listings.where(uscc=uscc, status="active")),
                     repairs=tuple(r.id for r in uow.repairs.where(uscc=uscc, status="approved")))


_REPOSITORY_OF = {Record: "records", ListingProposal: "proposals", Listing: "listings", Sanction: "sanctions",
                  Repair: "repairs", Observation: "observations", InspectionDraw: "draws", Subject: "subjects"}


class FakeUnitOfWork:
    def __init__(self, *aggregates, now: datetime):
        self.runtime = SimpleNamespace(registry=REGISTRY, settings=CreditSettings())
        self.now, self.calendar = now, WorkingCalendar()
        self.rules, self.catalogue = load_rules(), load_catalogue()
        self.records, self.proposals, self.listings = FakeRepository(), FakeProposals(), FakeListings()
        self.sanctions, self.repairs, self.observations = FakeSanctions(), FakeRepository(), FakeRepository()
        self.draws, self.subjects, self.facts = FakeRepository(), FakeSubjects(self), FakeFacts(self)
        for aggregate in aggregates:
            getattr(self, _REPOSITORY_OF[type(aggregate)]).add(replace(aggregate))
        self.committed = 0

    @property
    def today(self) -> date:
        return self.now.astimezone(self.calendar.tz).date()

    async def flush(self) -> None:
        pass

    async def commit(self) -> None:
        self.committed += 1

    def recorded(self) -> list[str]:
        """The types of the events every aggregate recorded, repository by repository."""
        return [e.type for name in _REPOSITORY_OF.values() for a in getattr(self, name).stored.values()
                for e in a.recorded]
