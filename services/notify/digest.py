"""The lead office's daily digest (联席会议): per agency of its region, what arrived, closed and went overdue."""
import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.identity.principal import region_of_agency
from shared.runtime import ServiceRuntime

from .domain.delivery import Delivery
from .repository import NotifyUnitOfWork
from .runtime import NotifyRuntime
from .tables import InboxItem

CLOSED_TYPES = ("jointsup.complaint.closed", "jointsup.case.closed")


async def digest(session: AsyncSession, runtime: ServiceRuntime, *, region: str, day: date) -> dict:
    """Counts from the inbox items the agencies of the region (and below) received on `day` (Beijing time)."""
    tz = runtime.calendar.tz
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)
    end = start + timedelta(days=1)
    regions = set(runtime.registry.regions_below(region))
    rows = (await session.exec(select(InboxItem.recipient, InboxItem.event_type, func.count()).where(
        InboxItem.created_at >= start, InboxItem.created_at < end).group_by(
        InboxItem.recipient, InboxItem.event_type))).all()
    per_agency: dict[str, dict[str, int]] = {}
    for recipient, event_type, count in rows:
        if region_of_agency(recipient) not in regions:
            continue
        row = per_agency.setdefault(recipient, {"arrived": 0, "closed": 0, "overdue": 0})
        kind = "overdue" if event_type.endswith(".overdue") else "closed" if event_type in CLOSED_TYPES else "arrived"
        row[kind] += count
    table = [{"agency": a, **counts} for a, counts in sorted(per_agency.items())]
    totals = {k: sum(r[k] for r in table) for k in ("arrived", "closed", "overdue")}
    return {"date": day.isoformat(), "region": region, "rows": table, "totals": totals}


async def schedule_daily(runtime: NotifyRuntime) -> int:
    """After the digest hour, yesterday's digest of each joint meeting goes by e-mail, once."""
    settings = runtime.settings
    now = datetime.now(runtime.calendar.tz)
    if not settings.digest_email or now.hour < settings.digest_hour:
        return 0
    day = now.date() - timedelta(days=1)
    async with NotifyUnitOfWork.begin(runtime) as uow:
        for meeting in runtime.registry.meetings.values():
            content = await digest(uow.session, runtime, region=meeting.region, day=day)
            key = f"digest:{meeting.region}:{day.isoformat()}"
            uow.deliveries.add(Delivery(
                id=str(uuid.uuid4()), dedupe_key=key, event_id=key, event_type="jointsup.digest",
                aggregate_id=meeting.region, recipient=meeting.convener, channel="email", target="digest",
                endpoint="email", payload={"to": settings.digest_email, "digest": content},
                next_attempt_at=uow.now, created_at=uow.now))
        await uow.commit()
        return len(uow.deliveries.inserted)
