"""Notify's own readings for /metrics: deliveries waiting for their next attempt, and those that gave up."""
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from shared.metrics import seconds_since
from shared.runtime import ServiceRuntime

from .tables import Delivery

CHANNELS = ("webhook", "email", "sms")
WATCHED = ("pending", "failed")  # delivered and skipped only grow; they are not what an operator acts on


async def deliveries(runtime: ServiceRuntime) -> list[Metric]:
    c = Delivery.__table__.c
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(c.status, c.channel, func.count(), func.min(c.created_at))
                                   .where(c.status.in_(WATCHED)).group_by(c.status, c.channel))).all()
    found = {(status, channel): (count, oldest) for status, channel, count, oldest in rows}
    counts = GaugeMetricFamily("jointsup_deliveries", "Deliveries waiting (pending) or given up (failed, "
                               "dead-lettered; a retry by hand sends them again)", labels=["channel", "status"])
    waited = GaugeMetricFamily("jointsup_delivery_oldest_pending_seconds",
                               "Age of the oldest delivery still pending (0 when none is)", labels=["channel"])
    for channel in CHANNELS:
        for status in WATCHED:
            counts.add_metric([channel, status], found.get((status, channel), (0, None))[0])
        waited.add_metric([channel], seconds_since(found.get(("pending", channel), (0, None))[1]))
    return [counts, waited]
