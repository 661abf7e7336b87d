"""Closed loop (及时反馈): what cases did with a clue is recorded on the complaints it came from."""
from datetime import datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.cases import CaseClosed, CaseFiled, ClueVerified
from shared.runtime import ServiceRuntime

from .handling import close_with
from .journal import Journal
from .tables import Complaint


def handlers(runtime: ServiceRuntime) -> dict:
    async def journals(session: AsyncSession, complaint_ids: list[str]):
        now = datetime.now(timezone.utc)
        for complaint_id in dict.fromkeys(complaint_ids):
            complaint = await session.get(Complaint, complaint_id)
            if complaint is not None:  # a clue may list complaints of another deployment
                yield Journal(session, runtime, complaint, now)

    async def case_filed(session: AsyncSession, event: Event, complaint_ids: list[str], case_id: str, **detail):
        async for journal in journals(session, complaint_ids):
            journal.complaint.case_id = case_id
            if journal.complaint.status == "escalated":
                journal.move_to("case_filed")
            journal.record("case_filed", actor=event.source, case_id=case_id, event_id=event.id, **detail)
            await journal.save()

    async def on_case_filed(session: AsyncSession, event: Event, payload: CaseFiled) -> None:
        await case_filed(session, event, payload.complaint_ids, payload.case_id, agency=payload.agency)

    async def on_clue_verified(session: AsyncSession, event: Event, payload: ClueVerified) -> None:
        if payload.decision == "file":  # a new case arrives as case.filed; joining an open one only here
            if payload.joined_existing_case and payload.case_id:
                await case_filed(session, event, payload.complaint_ids, payload.case_id, joined_existing_case=True)
            return
        async for journal in journals(session, payload.complaint_ids):
            journal.record("clue_dismissed", actor=event.source, clue_id=payload.clue_id, reason=payload.reason,
                           event_id=event.id)
            if journal.complaint.status == "escalated":
                await close_with(journal, "clue_dismissed", actor=event.source)
            await journal.save()

    async def on_case_closed(session: AsyncSession, event: Event, payload: CaseClosed) -> None:
        async for journal in journals(session, payload.complaint_ids):
            journal.record("case_closed", actor=event.source, case_id=payload.case_id, outcome=payload.outcome,
                           event_id=event.id)
            if journal.complaint.status in ("escalated", "case_filed"):
                await close_with(journal, "case_closed", actor=event.source, case_outcome=payload.outcome)
            await journal.save()

    return {"case.filed": on_case_filed, "clue.verified": on_clue_verified, "case.closed": on_case_closed}
