"""Events from other services → the cases service's own tables."""
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.complaints import ComplaintReceived, ComplaintRouted
from shared.runtime import ServiceRuntime

from .tables import ComplaintRef


async def on_complaint_received(session: AsyncSession, event: Event, payload: ComplaintReceived) -> None:
    """Remember the complaint (subject, category) for later clues and first-violation checks."""
    ref = await session.get(ComplaintRef, payload.complaint_id) or ComplaintRef(
        complaint_id=payload.complaint_id, kind=payload.kind, category=payload.category,
        subject_region=payload.subject.region, received_at=payload.received_at)
    ref.subject_uscc = payload.subject.uscc
    session.add(ref)


async def on_complaint_routed(session: AsyncSession, event: Event, payload: ComplaintRouted) -> None:
    """Keep the complaint's lead agency current (routing may come before or after receipt)."""
    ref = await session.get(ComplaintRef, payload.complaint_id)
    if ref is None:
        ref = ComplaintRef(complaint_id=payload.complaint_id, kind="complaint", category=payload.category,
                           subject_region=payload.region, received_at=event.time)
    ref.category, ref.lead_agency = payload.category, payload.lead_agency
    session.add(ref)


def handlers(_runtime: ServiceRuntime) -> dict:
    return {"complaint.received": on_complaint_received, "complaint.routed": on_complaint_routed}
