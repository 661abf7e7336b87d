"""Assisted investigation (协查取证): one agency asks another for evidence or data, with a deadline."""
import uuid

from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.cases import AssistRequested, AssistResponded
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.registry import RegistryError

from . import case_files
from .journal import CaseJournal
from .tables import Assist


async def request(session, runtime, principal, case_id: str, *, to_agency: str, text: str) -> Assist:
    try:
        runtime.registry.agency(to_agency)
    except RegistryError as exc:
        raise InvalidInput(str(exc), field="to_agency") from None
    case, journal = await case_files.load_for_action(session, runtime, principal, case_id, "assist")
    if to_agency == case.agency:
        raise InvalidInput("ask another agency", field="to_agency")
    assist = Assist(id=str(uuid.uuid4()), case_id=case.id, from_agency=case.agency, to_agency=to_agency,
                    request=text, status="requested", due_at=journal.deadlines.assist_due(journal.now,
                                                                                          journal.calendar),
                    created_by=principal.sub, created_at=journal.now)
    session.add(assist)
    case_files.under_investigation(case, journal)
    await journal.take_part(case.id, to_agency, "assist")
    await journal.emit("assist.requested", AssistRequested(
        assist_id=assist.id, case_id=case.id, from_agency=case.agency, to_agency=to_agency, due_at=assist.due_at),
        subject=case.id)
    journal.record(case.id, "assist_requested", actor=principal.sub, due_at=assist.due_at, assist_id=assist.id,
                   to_agency=to_agency)
    await session.commit()
    return assist


async def respond(session, runtime, principal, assist_id: str, *, findings: str) -> Assist:
    assist = (await session.exec(for_update(select(Assist).where(Assist.id == assist_id), session))).first()
    if assist is None or await case_files.visible(session, runtime, principal, assist.case_id) is None:
        raise NotFound(f"no assist {assist_id}")
    if not (principal.agency == assist.to_agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {assist.to_agency} may answer this request")
    if assist.status != "requested":
        raise Conflict("the request was already answered", status_now=assist.status, allowed_actions=[])
    journal = CaseJournal(session, runtime)
    assist.status, assist.findings, assist.responded_at, assist.due_at = "responded", findings, journal.now, None
    session.add(assist)
    await journal.emit("assist.responded", AssistResponded(
        assist_id=assist.id, case_id=assist.case_id, from_agency=assist.from_agency, to_agency=assist.to_agency),
        subject=assist.case_id)
    journal.record(assist.case_id, "assist_responded", actor=principal.sub, assist_id=assist.id)
    await session.commit()
    return assist
