"""Events from other services → clues and local projections of the cases service."""
from datetime import datetime, timezone

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import per_dialect
from shared.events import Event
from shared.events.payloads.complaints import (ComplaintClusterAlert, ComplaintEscalated, ComplaintReceived,
                                               ComplaintRouted)
from shared.events.payloads.credit import CreditObservation
from shared.runtime import ServiceRuntime

from . import clues
from .journal import CaseJournal
from .tables import Case, Clue, ComplaintRef, ObservationRef


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


def handlers(runtime: ServiceRuntime) -> dict:
    async def on_escalated(session: AsyncSession, event: Event, payload: ComplaintEscalated) -> None:
        """An escalated complaint or report becomes a clue for its lead agency, which may now cite it."""
        await _escalated_to(session, event, payload)
        await clues.register(CaseJournal(session, runtime), source="complaint", source_ref=payload.complaint_id,
                             subject=payload.subject, category=payload.category, agency=payload.lead_agency,
                             summary=payload.reason, complaint_ids=[payload.complaint_id],
                             actor=payload.escalated_by)

    async def on_cluster_alert(session: AsyncSession, event: Event, payload: ComplaintClusterAlert) -> None:
        """打早打小: a cluster becomes one clue; a grown cluster adds its complaints to that clue or its case."""
        journal = CaseJournal(session, runtime)
        clue = (await session.exec(select(Clue).where(
            Clue.source == "cluster", Clue.source_ref.startswith(payload.cluster_id),
            Clue.status != "dismissed"))).first()
        if clue is None:
            ref = payload.cluster_id if not await _dismissed(session, payload.cluster_id) else \
                f"{payload.cluster_id}:{payload.count}"
            summary = f"{payload.count} complaints on one subject within {payload.window_days} days (打早打小)"
            await clues.register(journal, source="cluster", source_ref=ref, subject=payload.subject,
                                 category=payload.category, agency=payload.lead_agency, summary=summary,
                                 complaint_ids=payload.complaint_ids, actor=event.source)
            return
        clue.complaint_ids = list(dict.fromkeys([*clue.complaint_ids, *payload.complaint_ids]))
        session.add(clue)
        if clue.case_id and (case := await session.get(Case, clue.case_id)) is not None:
            case.complaint_ids = list(dict.fromkeys([*case.complaint_ids, *payload.complaint_ids]))
            session.add(case)
            journal.record(case.id, "cluster_grew", actor=event.source, count=payload.count)

    async def on_observation(session: AsyncSession, event: Event, payload: CreditObservation) -> None:
        if not payload.uscc:
            return
        row = await session.get(ObservationRef, payload.uscc) or ObservationRef(uscc=payload.uscc,
                                                                               updated_at=event.time)
        row.active, row.updated_at = event.type.endswith("observation_started"), datetime.now(timezone.utc)
        session.add(row)

    return {"complaint.received": on_complaint_received, "complaint.routed": on_complaint_routed,
            "complaint.escalated": on_escalated, "complaint.cluster_alert": on_cluster_alert,
            "credit.observation_started": on_observation, "credit.observation_ended": on_observation}


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
