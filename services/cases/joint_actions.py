"""Joint action (联合执法, 案件会商): a lead agency, N participants, tasks and consultations; done with its tasks."""
import uuid
from datetime import date

from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.cases import (JointActionCompleted, JointActionStarted, JointActionTask,
                                          JointActionTaskCompleted)
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.registry import RegistryError

from . import case_files
from .journal import CaseJournal
from .tables import Consultation, JointAction, JointTask


async def start(session, runtime, principal, case_id: str, *, participants: list[str],
                tasks: list[tuple[str, str]]) -> tuple[JointAction, list[JointTask]]:
    for index, agency in enumerate(participants):
        try:
            runtime.registry.agency(agency)
        except RegistryError as exc:
            raise InvalidInput(str(exc), field=f"participants.{index}") from None
    case, journal = await case_files.load_for_action(session, runtime, principal, case_id, "joint_action")
    members = list(dict.fromkeys(a for a in participants if a != case.agency))
    if not members:
        raise InvalidInput("a joint action needs at least one participant besides the lead", field="participants")
    for index, (agency, _) in enumerate(tasks):
        if agency not in (case.agency, *members):
            raise InvalidInput(f"{agency} is not in the joint action", field=f"tasks.{index}.agency")
    action = JointAction(id=str(uuid.uuid4()), case_id=case.id, lead_agency=case.agency, participants=members,
                         status="active", created_by=principal.sub, created_at=journal.now)
    rows = [JointTask(id=str(uuid.uuid4()), action_id=action.id, agency=agency, title=title)
            for agency, title in tasks]
    session.add(action)
    session.add_all(rows)
    case_files.under_investigation(case, journal)
    for agency in members:
        await journal.take_part(case.id, agency, "joint_action")
    await journal.emit("joint_action.started", JointActionStarted(
        action_id=action.id, case_id=case.id, lead_agency=case.agency, participants=members,
        tasks=[JointActionTask(task_id=t.id, agency=t.agency, title=t.title) for t in rows]), subject=case.id)
    journal.record(case.id, "joint_action_started", actor=principal.sub, action_id=action.id,
                   participants=members, tasks=len(rows))
    await session.commit()
    return action, rows


async def _action(session, runtime, principal, action_id: str, *, lock: bool = False) -> JointAction:
    query = select(JointAction).where(JointAction.id == action_id)
    action = (await session.exec(for_update(query, session) if lock else query)).first()
    if action is None or await case_files.visible(session, runtime, principal, action.case_id) is None:
        raise NotFound(f"no joint action {action_id}")
    return action


async def complete_task(session, runtime, principal, action_id: str, task_id: str, *,
                        result: str | None) -> tuple[JointAction, list[JointTask]]:
    action = await _action(session, runtime, principal, action_id, lock=True)
    task = await session.get(JointTask, task_id)
    if task is None or task.action_id != action.id:
        raise NotFound(f"no task {task_id} in joint action {action_id}")
    if not (principal.agency == task.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {task.agency} may complete this task")
    if task.done:
        raise Conflict("the task is already done", status_now="done", allowed_actions=[])
    journal = CaseJournal(session, runtime)
    task.done, task.completed_by, task.completed_at, task.result = True, principal.sub, journal.now, result
    session.add(task)
    await journal.emit("joint_action.task_completed", JointActionTaskCompleted(
        action_id=action.id, case_id=action.case_id, task_id=task.id, agency=task.agency), subject=action.case_id)
    journal.record(action.case_id, "joint_task_completed", actor=principal.sub, action_id=action.id,
                   task_id=task.id, title=task.title, result=result)
    tasks = list((await session.exec(select(JointTask).where(JointTask.action_id == action.id))).all())
    if all(t.done for t in tasks) and action.status == "active":
        action.status, action.completed_at = "completed", journal.now
        session.add(action)
        await journal.emit("joint_action.completed", JointActionCompleted(
            action_id=action.id, case_id=action.case_id, lead_agency=action.lead_agency,
            participants=action.participants), subject=action.case_id)
        journal.record(action.case_id, "joint_action_completed", actor="system", action_id=action.id)
    await session.commit()
    return action, tasks


async def consult(session, runtime, principal, action_id: str, *, held_on: date, attendees: list[str],
                  conclusions: str) -> Consultation:
    action = await _action(session, runtime, principal, action_id)
    parties = (action.lead_agency, *action.participants)
    if not (principal.agency in parties and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the joint action's agencies ({', '.join(parties)}) record consultations")
    journal = CaseJournal(session, runtime)
    consultation = Consultation(id=str(uuid.uuid4()), action_id=action.id, held_on=held_on,
                                attendees=list(attendees), conclusions=conclusions, recorded_by=principal.sub,
                                recorded_at=journal.now)
    session.add(consultation)
    journal.record(action.case_id, "consultation", actor=principal.sub, action_id=action.id,
                   held_on=held_on.isoformat(), attendees=list(attendees), conclusions=conclusions)
    await session.commit()
    return consultation
