"""Credit in and out of the database: a repository per aggregate with the queries its use cases need, and the
service's unit of work."""
from datetime import date, datetime

from sqlalchemy import bindparam, or_
from sqlmodel import select

from shared.db import for_update, per_dialect
from shared.unit_of_work import Repository, UnitOfWork

from . import tables
from .domain.draws import InspectionDraw
from .domain.listing import Listing, ListingProposal
from .domain.observation import Observation
from .domain.record import Record
from .domain.repair import Repair
from .domain.sanctions import Sanction
from .domain.subject import Subject
from .facts import SubjectFacts
from .rules_file import load_catalogue, load_rules


class RecordRepository(Repository[Record]):
    aggregate, table = Record, tables.CreditRecord


class ProposalRepository(Repository[ListingProposal]):
    aggregate, table = ListingProposal, tables.ListingProposal

    async def open_for(self, record_id: str) -> ListingProposal | None:
        """The record's proposal not yet ended: noticed, or listed."""
        row = (await self.session.exec(select(self.table).where(
            self.table.record_id == record_id, self.table.status.in_(("noticed", "listed"))))).first()
        return None if row is None else self.loaded(row)


class ListingRepository(Repository[Listing]):
    aggregate, table = Listing, tables.Listing

    async def active_on(self, record_id: str) -> Listing | None:
        row = (await self.session.exec(select(self.table).where(self.table.record_id == record_id,
                                                                self.table.status == "active"))).first()
        return None if row is None else self.loaded(row)

    async def ending_by(self, today: date) -> list[Listing]:
        """Active listings whose longest period is over, claimed (SKIP LOCKED on PostgreSQL)."""
        query = select(self.table).where(self.table.status == "active", self.table.remove_by <= today)
        return [self.loaded(r) for r in (await self.session.exec(
            for_update(query, self.session, skip_locked=True))).all()]


class SanctionRepository(Repository[Sanction]):
    aggregate, table = Sanction, tables.Sanction

    async def of_listing(self, listing_id: str) -> list[Sanction]:
        """The listing's sanctions not lifted yet."""
        return [self.loaded(r) for r in (await self.session.exec(select(self.table).where(
            self.table.listing_id == listing_id, self.table.status != "lifted"))).all()]

    async def overdue(self, now: datetime) -> list[Sanction]:
        """Imposed sanctions past their due date not yet reported for it, claimed (SKIP LOCKED on PostgreSQL)."""
        query = select(self.table).where(
            self.table.status == "imposed", self.table.due_at <= now,
            or_(self.table.overdue_for.is_(None), self.table.overdue_for != self.table.due_at))
        return [self.loaded(r) for r in (await self.session.exec(
            for_update(query, self.session, skip_locked=True))).all()]


class RepairRepository(Repository[Repair]):
    aggregate, table = Repair, tables.Repair


class ObservationRepository(Repository[Observation]):
    aggregate, table = Observation, tables.Observation

    async def to_announce(self, today: date) -> list[Observation]:
        """Observations begun and not yet announced as started and ended, claimed (SKIP LOCKED on PostgreSQL)."""
        query = select(self.table).where(or_(self.table.started.is_(False), self.table.ended.is_(False)),
                                         self.table.starts_on <= today)
        return [self.loaded(r) for r in (await self.session.exec(
            for_update(query, self.session, skip_locked=True))).all()]


class DrawRepository(Repository[InspectionDraw]):
    aggregate, table = InspectionDraw, tables.InspectionDraw


def _lock_subject(insert):
    insert = insert(tables.Subject).values({column: bindparam(column) for column in _NEW_SUBJECT})
    return insert.on_conflict_do_update(index_elements=["uscc"], set_={"uscc": insert.excluded.uscc}).returning(
        tables.Subject)


_NEW_SUBJECT = tables.Subject(uscc="", updated_at=datetime.min).model_dump()  # the model's defaults
_LOCK_SUBJECT = per_dialect(_lock_subject)


class SubjectRepository(Repository[Subject]):
    """Subjects are keyed by their USCC."""

    aggregate, table = Subject, tables.Subject

    async def get(self, key: str, *, lock: bool = False) -> Subject | None:
        row = await self.session.get(self.table, key)
        return None if row is None else self.loaded(row)

    def loaded(self, row) -> Subject:
        if (known := self._by_key.get(row.uscc)) is not None:
            return known
        subject = Subject(**{name: getattr(row, name) for name in _NEW_SUBJECT})
        self._rows[id(subject)] = row
        self._by_key[row.uscc] = subject
        self.uow.track(subject, self)
        return subject

    async def locked(self, uscc: str) -> Subject:
        """The subject, created if missing and locked, in one statement (an upsert locks the row it finds):
        events about one subject arrive on different partitions, so two consumers may score it at once; the
        second waits and then sees the first's facts."""
        row = (await self.session.exec(_LOCK_SUBJECT(self.session),
                                       params={**_NEW_SUBJECT, "uscc": uscc, "updated_at": self.uow.now},
                                       execution_options={"populate_existing": True})).scalars().one()
        return self.loaded(row)


class CreditUnitOfWork(UnitOfWork):
    """The credit service's unit of work: its repositories, the facts, and the rules and catalogue in force."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = self.runtime.settings
        self.rules, self.catalogue = load_rules(settings.rules_path), load_catalogue(settings.sanctions_path)
        self.records, self.proposals = RecordRepository(self), ProposalRepository(self)
        self.listings, self.sanctions = ListingRepository(self), SanctionRepository(self)
        self.repairs, self.observations = RepairRepository(self), ObservationRepository(self)
        self.draws, self.subjects = DrawRepository(self), SubjectRepository(self)
        self.facts = SubjectFacts(self)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.calendar.tz).date()
