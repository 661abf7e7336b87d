"""Closed loop (及时反馈): what cases did with a clue is recorded on the complaints it came from.

Only on those: an outcome is applied to a complaint that complaints handed to cases as the clue's source (its
escalation, or a cluster it is in), and a case's closing to complaints whose case it is. Any other complaint a clue
or case lists is left as it is, and the refusal counted.
"""
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.cases import CaseClosed, CaseFiled, ClueVerified
from shared.messaging.refusals import Policy, refusable
from shared.runtime import ServiceRuntime

from .domain.handover import handover_of
from .repository import ComplaintsUnitOfWork


# What cases reports is applied late as well as on time, so nothing it sends is refused as a whole; a complaint it
# lists that was not handed over is left out of the event's effect, and counted (`covered`).
REFUSALS = {"case.filed": Policy.SKIP, "clue.verified": Policy.SKIP, "case.closed": Policy.SKIP}


def handlers(runtime: ServiceRuntime) -> dict:
    async def covered(uow: ComplaintsUnitOfWork, event: Event, complaint_ids: list[str], handed: set[str]):
        """Each listed complaint in `handed`; the others are refused."""
        for complaint_id in dict.fromkeys(complaint_ids):
            complaint = await uow.complaints.get(complaint_id) if complaint_id in handed else None
            if complaint is None:
                runtime.refusals.refuse(uow.session, event, "not handed over by this clue or case",
                                        complaint_id=complaint_id)
                continue
            yield complaint

    async def case_filed(uow: ComplaintsUnitOfWork, event: Event, complaint_ids: list[str], handed: set[str],
                         case_id: str, **detail):
        async for complaint in covered(uow, event, complaint_ids, handed):
            complaint.case_filed(case_id=case_id, by=event.source, at=uow.now, event_id=event.id, **detail)
        await uow.commit()

    async def on_case_filed(session: AsyncSession, event: Event, payload: CaseFiled) -> None:
        uow = ComplaintsUnitOfWork(runtime, session)
        handover = handover_of(payload.clue_source, payload.clue_source_ref)
        handed = await uow.handovers.handed_over(payload.complaint_ids, handover)
        await case_filed(uow, event, payload.complaint_ids, handed, payload.case_id, agency=payload.agency,
                         clue_id=payload.clue_id)

    async def on_clue_verified(session: AsyncSession, event: Event, payload: ClueVerified) -> None:
        uow = ComplaintsUnitOfWork(runtime, session)
        handover = handover_of(payload.source, payload.source_ref)
        handed = await uow.handovers.handed_over(payload.complaint_ids, handover)
        if payload.decision == "file":  # a new case arrives as case.filed; joining an open one only here
            if payload.joined_existing_case and payload.case_id:
                await case_filed(uow, event, payload.complaint_ids, handed, payload.case_id,
                                 clue_id=payload.clue_id, joined_existing_case=True)
            return
        async for complaint in covered(uow, event, payload.complaint_ids, handed):
            complaint.clue_dismissed(clue_id=payload.clue_id, reason=payload.reason, by=event.source, at=uow.now,
                                     event_id=event.id)
        await uow.commit()

    async def on_case_closed(session: AsyncSession, event: Event, payload: CaseClosed) -> None:
        uow = ComplaintsUnitOfWork(runtime, session)
        handed = await _of_case(uow, payload.complaint_ids, payload.case_id)
        async for complaint in covered(uow, event, payload.complaint_ids, handed):
            complaint.case_closed(case_id=payload.case_id, outcome=payload.outcome, by=event.source, at=uow.now,
                                  event_id=event.id)
        await uow.commit()

    return refusable({"case.filed": on_case_filed, "clue.verified": on_clue_verified, "case.closed": on_case_closed},
                     REFUSALS, runtime)


async def _of_case(uow: ComplaintsUnitOfWork, complaint_ids: list[str], case_id: str) -> set[str]:
    """The listed complaints whose case this is, and those in a cluster with one of them (a cluster that grew
    after its clue was filed adds its new complaints to the case)."""
    if not complaint_ids:
        return set()
    found = [await uow.complaints.get(i) for i in dict.fromkeys(complaint_ids)]
    on_case = {c.id for c in found if c is not None and c.case_id == case_id}
    handed = await uow.handovers.of(list(complaint_ids))
    clusters = {h for i in on_case for h in handed[i] if h[0] == "cluster"}
    return on_case | {i for i, own in handed.items() if own & clusters}
