"""Events from other services → clues and local projections of the cases service."""
from datetime import datetime, timezone

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import per_dialect
from shared.events import Event
from shared.events.payloads.complaints import (ComplaintClusterAlert, ComplaintEscalated, ComplaintReceived,
                                               ComplaintRouted)
from shared.events.payloads.credit import CreditObservation
from shared.messaging.refusals import Policy, refusable
from shared.runtime import ServiceRuntime

from . import clues
from .repository import CasesUnitOfWork
from .tables import Clue, ComplaintRef, ObservationRef


def _remember(*updated: str):
    """One upsert of the complaint's projection that keeps the `updated` columns current (built once)."""
    def build(insert):
        insert = insert(ComplaintRef.__table__)
        return insert.on_conflict_do_update(index_elements=["complaint_id"],
                                            set_={column: insert.excluded[column] for column in updated})
    return per_dialect(build)


# Receipt knows the complaint's kind, subject and time; routing its category and lead agency, and comes after
# receipt (same key, same partition) unless a replay reorders them.
_RECEIVED = _remember("kind", "subject_uscc", "subject_region", "received_at")
_ROUTED = _remember("category", "lead_agency")


async def on_complaint_received(session: AsyncSession, event: Event, payload: ComplaintReceived) -> None:
    """Remember the complaint (subject, category) for later clues and first-violation checks."""
    await (await session.connection()).execute(_RECEIVED(session), {
        "complaint_id": payload.complaint_id, "kind": payload.kind, "category": payload.category,
        "subject_uscc": payload.subject.uscc, "subject_region": payload.subject.region,
        "received_at": payload.received_at, "lead_agency": None})


async def on_complaint_routed(session: AsyncSession, event: Event, payload: ComplaintRouted) -> None:
    """Keep the complaint's category and lead agency current."""
    await (await session.connection()).execute(_ROUTED(session), {
        "complaint_id": payload.complaint_id, "kind": "complaint", "category": payload.category,
        "subject_uscc": None, "subject_region": payload.region, "received_at": event.time,
        "lead_agency": payload.lead_agency})


# What complaints reports is applied late as well as on time: a clue is registered once per source and a grown
# cluster only adds complaints, so no state machine refuses these today; one that ever does is skipped and counted
# rather than holding up the complaints behind it.
REFUSALS = {"complaint.escalated": Policy.SKIP, "complaint.cluster_alert": Policy.SKIP}


def handlers(runtime: ServiceRuntime) -> dict:
    async def on_escalated(session: AsyncSession, event: Event, payload: ComplaintEscalated) -> None:
        """An escalated complaint or report becomes a clue for its lead agency, which may now cite it."""
        await _escalated_to(session, event, payload)
        uow = CasesUnitOfWork(runtime, session)
        await clues.register(uow=uow, source="complaint", source_ref=payload.complaint_id, subject=payload.subject,
                             category=payload.category, agency=payload.lead_agency, summary=payload.reason,
                             complaint_ids=[payload.complaint_id], by=payload.escalated_by)
        await uow.commit()

    async def on_cluster_alert(session: AsyncSession, event: Event, payload: ComplaintClusterAlert) -> None:
        """打早打小: a cluster becomes one clue; a grown cluster adds its complaints to that clue or its case."""
        uow = CasesUnitOfWork(runtime, session)
        if (clue := await uow.clues.of_cluster(payload.cluster_id)) is None:
            ref = payload.cluster_id if not await _dismissed(session, payload.cluster_id) else \
                f"{payload.cluster_id}:{payload.count}"
            summary = f"{payload.count} complaints on one subject within {payload.window_days} days (打早打小)"
            await clues.register(uow=uow, source="cluster", source_ref=ref, subject=payload.subject,
                                 category=payload.category, agency=payload.lead_agency, summary=summary,
                                 complaint_ids=payload.complaint_ids, by=event.source)
        else:
            clue.add_complaints(payload.complaint_ids)
            if clue.case_id and (case := await uow.cases.get(clue.case_id)) is not None:
                case.cluster_grew(complaint_ids=payload.complaint_ids, count=payload.count, by=event.source,
                                  at=uow.now)
        await uow.commit()

    async def on_observation(session: AsyncSession, event: Event, payload: CreditObservation) -> None:
        if not payload.uscc:
            return
        row = await session.get(ObservationRef, payload.uscc) or ObservationRef(uscc=payload.uscc,
                                                                               updated_at=event.time)
        row.active, row.updated_at = event.type.endswith("observation_started"), datetime.now(timezone.utc)
        session.add(row)

    return refusable({"complaint.received": on_complaint_received, "complaint.routed": on_complaint_routed,
                      "complaint.escalated": on_escalated, "complaint.cluster_alert": on_cluster_alert,
                      "credit.observation_started": on_observation, "credit.observation_ended": on_observation},
                     REFUSALS, runtime)


async def _escalated_to(session: AsyncSession, event: Event, payload: ComplaintEscalated) -> None:
    ref = await session.get(ComplaintRef, payload.complaint_id) or ComplaintRef(
        complaint_id=payload.complaint_id, kind=payload.kind, category=payload.category,
        subject_uscc=payload.subject.uscc, subject_region=payload.subject.region, lead_agency=payload.lead_agency,
        received_at=event.time)
    if payload.lead_agency not in ref.escalated_to:
        ref.escalated_to = [*ref.escalated_to, payload.lead_agency]
    session.add(ref)


async def _dismissed(session: AsyncSession, cluster_id: str) -> bool:
    return (await session.exec(select(Clue.id).where(Clue.source == "cluster",
                                                     Clue.source_ref == cluster_id))).first() is not None
