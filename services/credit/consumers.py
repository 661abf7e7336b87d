"""Events from other services → the credit service's own tables."""
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.complaints import ComplaintReceived
from shared.runtime import ServiceRuntime

from .tables import SubjectComplaint


async def on_complaint_received(session: AsyncSession, event: Event, payload: ComplaintReceived) -> None:
    """Count complaints against identified market subjects (anonymous shops carry no USCC)."""
    if payload.subject.uscc and await session.get(SubjectComplaint, payload.complaint_id) is None:
        session.add(SubjectComplaint(complaint_id=payload.complaint_id, uscc=payload.subject.uscc,
                                     category=payload.category, received_at=payload.received_at))


def handlers(_runtime: ServiceRuntime) -> dict:
    return {"complaint.received": on_complaint_received}
