"""Clues, cases, referrals, assists and joint actions in and out of the database; the agencies taking part in a
case (the rows behind scoped reads) kept in step with them; one case timeline for all but the clue."""
from sqlalchemy import text
from sqlmodel import select

from shared.db import is_postgres
from shared.unit_of_work import Repository, Timeline, UnitOfWork

from .domain import lifecycle
from .domain.assist import Assist
from .domain.case import Case
from .domain.clue import Clue
from .domain.deadlines import Schedule
from .domain.joint_action import JointAction, Task
from .domain.referral import Referral
from . import tables

CASE_TIMELINE = Timeline(tables.CaseStep.__table__, "case_id")


class _OnCaseTimeline(Repository):
    """An aggregate done on a case: its steps are on the case's timeline, and its agencies take part in the case
    once it is first saved."""

    timeline = CASE_TIMELINE

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self._unsaved: set[int] = set()  # id(aggregate) of those added and not yet saved

    def timeline_owner(self, aggregate) -> str:
        return aggregate.case_id

    def add(self, aggregate):
        self._unsaved.add(id(aggregate))
        return super().add(aggregate)

    async def saved(self, aggregate) -> None:
        if id(aggregate) in self._unsaved:
            self._unsaved.discard(id(aggregate))
            for agency, role in self.taking_part(aggregate):
                await _take_part(self.uow, aggregate.case_id, agency, role)

    def taking_part(self, aggregate) -> list[tuple[str, str]]:
        """The agencies a new one gives the case file to, and their roles."""
        return []


async def _take_part(uow: UnitOfWork, case_id: str, agency: str, role: str, *, replace: bool = False) -> None:
    """Give `agency` read access to the case; an agency already in it keeps its role unless `replace`."""
    row = await uow.session.get(tables.CaseParticipant, (case_id, agency))
    if row is None:
        uow.session.add(tables.CaseParticipant(case_id=case_id, agency=agency, role=role))
    elif replace and row.role != role:
        row.role = role
        uow.session.add(row)


class ClueRepository(Repository[Clue]):
    aggregate = Clue
    table = tables.Clue

    async def by_source(self, source: str, source_ref: str) -> Clue | None:
        """The clue registered for this source reference (registering is idempotent)."""
        row = (await self.session.exec(select(tables.Clue).where(
            tables.Clue.source == source, tables.Clue.source_ref == source_ref))).first()
        return None if row is None else self.loaded(row)

    async def of_cluster(self, cluster_id: str) -> Clue | None:
        """The clue a cluster became, unless it was dismissed."""
        row = (await self.session.exec(select(tables.Clue).where(
            tables.Clue.source == "cluster", tables.Clue.source_ref.startswith(cluster_id),
            tables.Clue.status != "dismissed"))).first()
        return None if row is None else self.loaded(row)

    async def saved(self, clue: Clue) -> None:
        if clue.status == "joined":
            await _take_part(self.uow, clue.case_id, clue.agency, "joined")


class CaseRepository(Repository[Case]):
    aggregate = Case
    table = tables.Case
    timeline = CASE_TIMELINE

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self._owners: dict[int, str | None] = {}  # id(case) → its owning agency as saved; None: not yet

    def loaded(self, row) -> Case:
        case = super().loaded(row)
        self._owners.setdefault(id(case), case.agency)
        return case

    async def open_on(self, subject_key: str, category: str) -> Case | None:
        """The open case on this subject and category, in any agency; two filing on one subject at once wait for
        each other (PostgreSQL), so that they do not open two cases."""
        if is_postgres(self.session):
            await self.session.exec(text("SELECT pg_advisory_xact_lock(hashtext(:key))").bindparams(
                key=f"case:{subject_key}:{category}"))
        row = (await self.session.exec(select(tables.Case).where(
            tables.Case.subject_key == subject_key, tables.Case.category == category,
            tables.Case.status.in_(lifecycle.OPEN_CASE_STATUSES)).order_by(tables.Case.filed_at))).first()
        return None if row is None else self.loaded(row)

    async def participants(self, case_id: str) -> set[str]:
        return set((await self.session.exec(select(tables.CaseParticipant.agency).where(
            tables.CaseParticipant.case_id == case_id))).all())

    async def saved(self, case: Case) -> None:
        owner = self._owners.get(id(case))
        if owner is None:
            await _take_part(self.uow, case.id, case.agency, "owner")
        elif owner != case.agency:  # handed over: the sender keeps reading it
            await _take_part(self.uow, case.id, owner, "sender", replace=True)
            await _take_part(self.uow, case.id, case.agency, "owner", replace=True)
        self._owners[id(case)] = case.agency


class ReferralRepository(_OnCaseTimeline, Repository[Referral]):
    aggregate = Referral
    table = tables.Referral

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self._receivers: dict[int, str | None] = {}  # id(referral) → the receiver last given the case file

    def loaded(self, row) -> Referral:
        referral = super().loaded(row)
        self._receivers.setdefault(id(referral), referral.to_agency if referral.transferred else None)
        return referral

    async def saved(self, referral: Referral) -> None:
        if referral.transferred and self._receivers.get(id(referral)) != referral.to_agency:
            await _take_part(self.uow, referral.case_id, referral.to_agency, "referral")
            self._receivers[id(referral)] = referral.to_agency


class AssistRepository(_OnCaseTimeline, Repository[Assist]):
    aggregate = Assist
    table = tables.Assist

    def taking_part(self, assist: Assist) -> list[tuple[str, str]]:
        return [(assist.to_agency, "assist")]


class JointActionRepository(_OnCaseTimeline, Repository[JointAction]):
    aggregate = JointAction
    table = tables.JointAction

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self._task_rows: dict[str, tables.JointTask] = {}

    async def get(self, key: str, *, lock: bool = False) -> JointAction | None:
        """The joint action with its tasks."""
        known = key in self._by_key
        action = await super().get(key, lock=lock)
        if action is not None and not known:
            rows = (await self.session.exec(select(tables.JointTask).where(tables.JointTask.action_id == key))).all()
            self._task_rows.update((r.id, r) for r in rows)
            action.tasks = [Task(id=r.id, agency=r.agency, title=r.title, done=r.done, completed_by=r.completed_by,
                                 completed_at=r.completed_at, result=r.result) for r in rows]
        return action

    def taking_part(self, action: JointAction) -> list[tuple[str, str]]:
        return [(agency, "joint_action") for agency in action.participants]

    async def saved(self, action: JointAction) -> None:
        await super().saved(action)
        for task in action.tasks:
            row = self._task_rows.get(task.id) or tables.JointTask(id=task.id, action_id=action.id,
                                                                   agency=task.agency, title=task.title)
            row.done, row.completed_by, row.completed_at, row.result = (task.done, task.completed_by,
                                                                        task.completed_at, task.result)
            self._task_rows[task.id] = row
            self.session.add(row)
        for consultation in action.consultations:
            self.session.add(tables.Consultation(**vars(consultation)))
        action.consultations.clear()


class CasesUnitOfWork(UnitOfWork):
    """The cases service's unit of work: its repositories and the deadline schedule commands use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clues = ClueRepository(self)
        self.cases = CaseRepository(self)
        self.referrals = ReferralRepository(self)
        self.assists = AssistRepository(self)
        self.joint_actions = JointActionRepository(self)
        self.schedule = Schedule(self.runtime.settings.deadlines, self.calendar)
