"""Joint action (联合执法, 案件会商): a lead agency, N participants, tasks and consultations; done with its tasks.

Each use case is keyword-only and typed; who may act is decided here, what the action allows by the aggregate.
"""
import uuid
from datetime import date

from shared.errors import Forbidden, InvalidInput, NotFound
from shared.identity import Principal
from shared.registry import RegistryError

from . import case_files
from .domain.joint_action import Consultation, JointAction
from .repository import CasesUnitOfWork


async def start(*, uow: CasesUnitOfWork, by: Principal, case_id: str, participants: list[str],
                tasks: list[tuple[str, str]]) -> JointAction:
    for index, agency in enumerate(participants):
        try:
            uow.runtime.registry.agency(agency)
        except RegistryError as exc:
            raise InvalidInput(str(exc), field=f"participants.{index}") from None
    case = await case_files.load_for(uow, by, case_id, "joint_action")
    action = JointAction.start(case, id=str(uuid.uuid4()), participants=participants, tasks=tasks, by=by.sub,
                               at=uow.now)
    uow.joint_actions.add(action)
    await uow.commit()
    return action


async def _visible(uow: CasesUnitOfWork, by: Principal, action_id: str, *, lock: bool = False) -> JointAction:
    action = await uow.joint_actions.get(action_id, lock=lock)
    if action is None or await case_files.visible(uow, by, action.case_id) is None:
        raise NotFound(f"no joint action {action_id}")
    return action


async def complete_task(*, uow: CasesUnitOfWork, by: Principal, action_id: str, task_id: str,
                        result: str | None) -> JointAction:
    action = await _visible(uow, by, action_id, lock=True)
    task = action.task(task_id)
    if not (by.agency == task.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {task.agency} may complete this task")
    action.complete_task(task_id, result=result, by=by.sub, at=uow.now)
    await uow.commit()
    return action


async def consult(*, uow: CasesUnitOfWork, by: Principal, action_id: str, held_on: date, attendees: list[str],
                  conclusions: str) -> Consultation:
    action = await _visible(uow, by, action_id)
    if not (by.agency in action.parties and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the joint action's agencies ({', '.join(action.parties)}) record "
                        "consultations")
    consultation = action.consult(held_on=held_on, attendees=attendees, conclusions=conclusions, by=by.sub,
                                  at=uow.now)
    await uow.commit()
    return consultation
