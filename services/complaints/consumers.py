"""Closed loop (及时反馈): what cases did with a clue is recorded on the complaints it came from.

Only on those: an outcome is applied to a complaint that complaints handed to cases as the clue's source (its
escalation, or a cluster it is in), and a case's closing to complaints whose case it is. Any other complaint a clue
or case lists is left as it is, and the refusal counted.
"""
from datetime import datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.cases import CaseClosed, CaseFiled, ClueVerified
from shared.runtime import ServiceRuntime

from . import handovers
from .domain.handover import handover_of
from .handling import close_with
from .journal import Journal
from .tables import Complaint


def handlers(runtime: ServiceRuntime) -> dict:
    async def journals(session: AsyncSession, event: Event, complaint_ids: list[str], covered: set[str]):
        """A journal for each listed complaint in `covered`; the others are refused."""
        now = datetime.now(timezone.utc)
        for complaint_id in dict.fromkeys(complaint_ids):
            complaint = await session.get(Complaint, complaint_id) if complaint_id in covered else None
            if complaint is None:
                runtime.refusals.refuse(session, event, "not handed over by this clue or case",
                                        complaint_id=complaint_id)
                continue
            yield Journal(session, runtime, complaint, now)

    async def case_filed(session: AsyncSession, event: Event, complaint_ids: list[str], covered: set[str],
                         case_id: str, **detail):
        async for journal in journals(session, event, complaint_ids, covered):
            journal.complaint.case_id = case_id
            if journal.complaint.status == "escalated":
                journal.move_to("case_filed")
            journal.record("case_filed", actor=event.source, case_id=case_id, event_id=event.id, **detail)
            await journal.save()

    async def on_case_filed(session: AsyncSession, event: Event, payload: CaseFiled) -> None:
        handover = handover_of(payload.clue_source, payload.clue_source_ref)
        covered = await handovers.handed_over(session, payload.complaint_ids, handover)
        await case_filed(session, event, payload.complaint_ids, covered, payload.case_id, agency=payload.agency,
                         clue_id=payload.clue_id)

    async def on_clue_verified(session: AsyncSession, event: Event, payload: ClueVerified) -> None:
        handover = handover_of(payload.source, payload.source_ref)
        covered = await handovers.handed_over(session, payload.complaint_ids, handover)
        if payload.decision == "file":  # a new case arrives as case.filed; joining an open one only here
            if payload.joined_existing_case and payload.case_id:
                await case_filed(session, event, payload.complaint_ids, covered, payload.case_id,
                                 clue_id=payload.clue_id, joined_existing_case=True)
            return
        async for journal in journals(session, event, payload.complaint_ids, covered):
            journal.record("clue_dismissed", actor=event.source, clue_id=payload.clue_id, reason=payload.reason,
                           event_id=event.id)
            if journal.complaint.status == "escalated":
                await close_with(journal, "clue_dismissed", actor=event.source)
            await journal.save()

    async def on_case_closed(session: AsyncSession, event: Event, payload: CaseClosed) -> None:
        covered = await _of_case(session, payload.complaint_ids, payload.case_id)
        async for journal in journals(session, event, payload.complaint_ids, covered):
            journal.record("case_closed", actor=event.source, case_id=payload.case_id, outcome=payload.outcome,
                           event_id=event.id)
            if journal.complaint.status in ("escalated", "case_filed"):
                await close_with(journal, "case_closed", actor=event.source, case_outcome=payload.outcome)
            await journal.save()

    return {"case.filed": on_case_filed, "clue.verified": on_clue_verified, "case.closed": on_case_closed}


async def _of_case(session: AsyncSession, complaint_ids: list[str], case_id: str) -> set[str]:
    """The listed complaints whose case this is, and those in a cluster with one of them (a cluster that grew
    after its clue was filed adds its new complaints to the case)."""
    if not complaint_ids:
        return set()
    on_case = {c.id for c in [await session.get(Complaint, i) for i in dict.fromkeys(complaint_ids)]
               if c is not None and c.case_id == case_id}
    handed = await handovers.handovers_of(session, list(complaint_ids))
    clusters = {h for i in on_case for h in handed[i] if h[0] == "cluster"}
    return on_case | {i for i, own in handed.items() if own & clusters}
