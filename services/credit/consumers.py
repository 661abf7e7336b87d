"""Events from other services → credit records and the facts behind the score."""
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import per_dialect
from shared.events import Event
from shared.events.payloads.cases import CaseClosed, CaseDecided, CaseFiled
from shared.events.payloads.complaints import ComplainantFlagged, ComplaintClusterAlert, ComplaintReceived
from shared.runtime import ServiceRuntime

from . import profile, records
from .context import Credit
from .tables import SubjectCase, SubjectCluster, SubjectComplaint


_INSERT_COMPLAINT = per_dialect(lambda insert: insert(SubjectComplaint.__table__).on_conflict_do_nothing().returning(
    SubjectComplaint.__table__.c.complaint_id))


async def _first_seen(session: AsyncSession, row: dict) -> bool:
    """Insert the complaint unless it is known already (one statement); True when it is new."""
    return (await (await session.connection()).execute(_INSERT_COMPLAINT(session), row)).first() is not None


def handlers(runtime: ServiceRuntime) -> dict:
    async def on_complaint_received(session: AsyncSession, event: Event, payload: ComplaintReceived) -> None:
        """Count complaints against identified market subjects (anonymous shops carry no USCC)."""
        if payload.subject.uscc and await _first_seen(session, {
                "complaint_id": payload.complaint_id, "uscc": payload.subject.uscc, "category": payload.category,
                "received_at": payload.received_at}):
            await profile.recompute(Credit.of(session, runtime), payload.subject.uscc, name=payload.subject.name,
                                    region=payload.subject.region)

    async def on_cluster(session: AsyncSession, event: Event, payload: ComplaintClusterAlert) -> None:
        uscc = payload.subject.uscc
        if uscc:
            row = await session.get(SubjectCluster, payload.cluster_id) or SubjectCluster(
                cluster_id=payload.cluster_id, uscc=uscc, count=payload.count, alerted_at=event.time)
            row.count = max(row.count, payload.count)
            session.add(row)
            await session.flush()
            await profile.recompute(Credit.of(session, runtime), uscc)

    async def on_case_filed(session: AsyncSession, event: Event, payload: CaseFiled) -> None:
        if payload.subject.uscc:
            session.add(await session.get(SubjectCase, payload.case_id) or SubjectCase(
                case_id=payload.case_id, uscc=payload.subject.uscc))
            await session.flush()
            await profile.recompute(Credit.of(session, runtime), payload.subject.uscc)

    async def on_case_closed(session: AsyncSession, event: Event, payload: CaseClosed) -> None:
        case = await session.get(SubjectCase, payload.case_id)
        if case is not None and case.open:
            case.open = False
            session.add(case)
            await session.flush()
            await profile.recompute(Credit.of(session, runtime), case.uscc)

    async def on_decided(session: AsyncSession, event: Event, payload: CaseDecided) -> None:
        await records.record_decision(Credit.of(session, runtime), event, payload)

    async def on_flagged(session: AsyncSession, event: Event, payload: ComplainantFlagged) -> None:
        await records.record_complainant_flag(Credit.of(session, runtime), event, payload)

    return {"complaint.received": on_complaint_received, "complaint.cluster_alert": on_cluster,
            "case.filed": on_case_filed, "case.closed": on_case_closed, "case.decided": on_decided,
            "complainant.flagged": on_flagged}
