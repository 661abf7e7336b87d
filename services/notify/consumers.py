"""Events → inbox notifications."""
from datetime import datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Event
from shared.events.payloads.complaints import ComplaintRouted
from shared.runtime import ServiceRuntime

from .recipients import routed_complaint_recipients
from .tables import InboxItem


async def on_complaint_routed(session: AsyncSession, event: Event, payload: ComplaintRouted) -> None:
    """Tell the lead and co-handling agencies that a complaint is theirs."""
    due = payload.due_at.date().isoformat()
    for agency, part in routed_complaint_recipients(payload.lead_agency, payload.co_agencies):
        action = "受理决定" if part == "lead" else "协办"
        session.add(InboxItem(
            recipient=agency, event_id=event.id, event_type=event.type, aggregate_id=payload.complaint_id,
            title=f"新投诉举报待{action} / Complaint routed to you ({part})",
            body=(f"投诉 {payload.complaint_id}（{payload.category}）已分派：牵头 {payload.lead_agency}，"
                  f"协办 {', '.join(payload.co_agencies) or '无'}；受理期限 {due}。\n"
                  f"Complaint {payload.complaint_id} ({payload.category}): lead {payload.lead_agency}, "
                  f"co-handling {', '.join(payload.co_agencies) or 'none'}; acceptance due {due}."),
            created_at=datetime.now(timezone.utc),
        ))


def handlers(_runtime: ServiceRuntime) -> dict:
    return {"complaint.routed": on_complaint_routed}
