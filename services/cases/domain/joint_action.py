"""The joint action (联合执法, 案件会商) aggregate: a lead agency, N participants, their tasks and consultations;
completed with its last task. Its steps are on its case's timeline."""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.payloads.cases import (JointActionCompleted, JointActionStarted, JointActionTask,
                                          JointActionTaskCompleted)

from .case import Case


@dataclass(kw_only=True, eq=False)
class Task:
    id: str
    agency: str
    title: str
    done: bool = False
    completed_by: str | None = None
    completed_at: datetime | None = None
    result: str | None = None


@dataclass(kw_only=True, eq=False)
class Consultation:
    """案件会商: who attended and what was concluded."""

    id: str
    action_id: str
    held_on: date
    attendees: list[str]
    conclusions: str
    recorded_by: str
    recorded_at: datetime


@dataclass(kw_only=True, eq=False)
class JointAction(Aggregate):
    id: str
    case_id: str
    lead_agency: str
    participants: list[str] = field(default_factory=list)
    status: str  # active | completed
    created_by: str
    created_at: datetime
    completed_at: datetime | None = None

    def __post_init__(self):
        # Not fields: the repository keeps them in their own tables.
        self.tasks: list[Task] = []
        self.consultations: list[Consultation] = []  # recorded in this unit of work

    @classmethod
    def start(cls, case: Case, *, id: str, participants: list[str], tasks: list[tuple[str, str]], by: str,
              at: datetime) -> "JointAction":
        """The case's owner leads; each participant may read the case file from now on."""
        case.check("joint_action")
        members = list(dict.fromkeys(a for a in participants if a != case.agency))
        if not members:
            raise InvalidInput("a joint action needs at least one participant besides the lead", field="participants")
        for index, (agency, _) in enumerate(tasks):
            if agency not in (case.agency, *members):
                raise InvalidInput(f"{agency} is not in the joint action", field=f"tasks.{index}.agency")
        action = cls(id=id, case_id=case.id, lead_agency=case.agency, participants=members, status="active",
                     created_by=by, created_at=at)
        action.tasks = [Task(id=str(uuid.uuid4()), agency=agency, title=title) for agency, title in tasks]
        case.take_up("joint_action", at=at)
        action.record("joint_action.started", JointActionStarted(
            action_id=id, case_id=case.id, lead_agency=case.agency, participants=members,
            tasks=[JointActionTask(task_id=t.id, agency=t.agency, title=t.title) for t in action.tasks]),
            subject=case.id)
        action.step("joint_action_started", actor=by, at=at, action_id=id, participants=members,
                    tasks=len(action.tasks))
        return action

    @property
    def parties(self) -> tuple[str, ...]:
        return self.lead_agency, *self.participants

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NotFound(f"no task {task_id} in joint action {self.id}")

    def complete_task(self, task_id: str, *, result: str | None, by: str, at: datetime) -> None:
        """A task done; the action with it, once every task is."""
        task = self.task(task_id)
        if task.done:
            raise Conflict("the task is already done", status_now="done", allowed_actions=[])
        task.done, task.completed_by, task.completed_at, task.result = True, by, at, result
        self.record("joint_action.task_completed", JointActionTaskCompleted(
            action_id=self.id, case_id=self.case_id, task_id=task.id, agency=task.agency), subject=self.case_id)
        self.step("joint_task_completed", actor=by, at=at, action_id=self.id, task_id=task.id, title=task.title,
                  result=result)
        if all(t.done for t in self.tasks) and self.status == "active":
            self.status, self.completed_at = "completed", at
            self.record("joint_action.completed", JointActionCompleted(
                action_id=self.id, case_id=self.case_id, lead_agency=self.lead_agency,
                participants=self.participants), subject=self.case_id)
            self.step("joint_action_completed", actor="system", at=at, action_id=self.id)

    def consult(self, *, held_on: date, attendees: list[str], conclusions: str, by: str,
                at: datetime) -> Consultation:
        consultation = Consultation(id=str(uuid.uuid4()), action_id=self.id, held_on=held_on, attendees=list(attendees),
                                    conclusions=conclusions, recorded_by=by, recorded_at=at)
        self.consultations.append(consultation)
        self.step("consultation", actor=by, at=at, action_id=self.id, held_on=held_on.isoformat(),
                  attendees=list(attendees), conclusions=conclusions)
        return consultation
