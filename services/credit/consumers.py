"""Events from other services → credit records and the facts behind the score."""
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.cases import CaseClosed, CaseDecided, CaseFiled
from shared.events.payloads.complaints import ComplainantFlagged, ComplaintClusterAlert, ComplaintReceived
from shared.messaging.refusals import Policy, refusable
from shared.runtime import ServiceRuntime

from . import profile, records
from .repository import CreditUnitOfWork

# The other events are facts credit keeps as they come, and none is refused.
REFUSALS = {
    "case.closed": Policy.SKIP,  # a case told closed again changes nothing: its closing already counted
}


def handlers(runtime: ServiceRuntime) -> dict:
    async def on_complaint_received(session: AsyncSession, event: Event, payload: ComplaintReceived) -> None:
        """Count complaints against identified market subjects (anonymous shops carry no USCC)."""
        uow, uscc = CreditUnitOfWork(runtime, session), payload.subject.uscc
        if uscc and await uow.facts.complaint_received(complaint_id=payload.complaint_id, uscc=uscc,
                                                       category=payload.category, received_at=payload.received_at):
            await profile.recompute(uow, uscc, name=payload.subject.name, region=payload.subject.region)
            await uow.commit()

    async def on_cluster(session: AsyncSession, event: Event, payload: ComplaintClusterAlert) -> None:
        if uscc := payload.subject.uscc:
            uow = CreditUnitOfWork(runtime, session)
            await uow.facts.cluster_alerted(cluster_id=payload.cluster_id, uscc=uscc, count=payload.count,
                                            at=event.time)
            await profile.recompute(uow, uscc)
            await uow.commit()

    async def on_case_filed(session: AsyncSession, event: Event, payload: CaseFiled) -> None:
        if uscc := payload.subject.uscc:
            uow = CreditUnitOfWork(runtime, session)
            await uow.facts.case_filed(case_id=payload.case_id, uscc=uscc)
            await profile.recompute(uow, uscc)
            await uow.commit()

    async def on_case_closed(session: AsyncSession, event: Event, payload: CaseClosed) -> None:
        uow = CreditUnitOfWork(runtime, session)
        if (uscc := await uow.facts.case_closed(payload.case_id)) is not None:
            await profile.recompute(uow, uscc)
            await uow.commit()

    async def on_decided(session: AsyncSession, event: Event, payload: CaseDecided) -> None:
        uow = CreditUnitOfWork(runtime, session)
        await records.record_decision(uow=uow, event_id=event.id, decided=payload)
        await uow.commit()

    async def on_flagged(session: AsyncSession, event: Event, payload: ComplainantFlagged) -> None:
        uow = CreditUnitOfWork(runtime, session)
        records.record_complainant_flag(uow=uow, event_id=event.id, flagged=payload)
        await uow.commit()

    return refusable({"complaint.received": on_complaint_received, "complaint.cluster_alert": on_cluster,
                      "case.filed": on_case_filed, "case.closed": on_case_closed, "case.decided": on_decided,
                      "complainant.flagged": on_flagged}, REFUSALS, runtime)
