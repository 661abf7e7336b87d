"""GET /metrics: what an operator watches, in the Prometheus text format. Read from the running service at
each scrape: consumer lag and outcomes, dead letters, the outbox's backlog and the relay, loops that ended.
Counts only: nothing personal, so it answers without a token, as /readyz does."""
import asyncio
import logging
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select

from shared.messaging import consumer_metrics
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
# A frozen broker or an away database must not hold a scrape: what does not answer in time is left out.
READ_TIMEOUT = 2.0


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format"}})
async def metrics(request: Request) -> Response:
    """Consumer lag and outcomes, dead letters, outbox backlog, relay, ended loops (Prometheus text format)."""
    families = await collect(request.app.state.runtime)
    return Response(generate_latest(_Families(families)), media_type=CONTENT_TYPE_LATEST)


class _Families:
    """What prometheus_client renders: anything with collect()."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self):
        return iter(self.families)


async def collect(runtime: ServiceRuntime) -> list[Metric]:
    """The in-process readings, then those that ask the database or the broker, all at once (a scrape takes at
    most READ_TIMEOUT however many of them wait)."""
    asking = [_within("the outbox backlog", _outbox(runtime)),
              *(_within(f"{r.__module__}.{r.__name__}", r(runtime)) for r in runtime.readings)]
    for consumer in (c for c in runtime.consumers if c.started.is_set()):
        asking += [_within(f"{consumer.group_id} lag", _lag(runtime, consumer)),
                   _within(f"{consumer.group_id} dead letters", _dead_letters(runtime, consumer))]
    families = [*_relay(runtime), *_consumer_outcomes(runtime), _refusals(runtime), _ended_loops(runtime)]
    for answered in await asyncio.gather(*asking):
        families += answered
    return families


async def _within(what: str, reading) -> list[Metric]:
    try:
        return await asyncio.wait_for(reading, READ_TIMEOUT)
    except Exception as exc:  # the database or the broker is away: /readyz says so; the scrape goes on
        log.info("metrics: %s left out: %s", what, type(exc).__name__)
        return []


def _relay(runtime: ServiceRuntime) -> list[Metric]:
    published = CounterMetricFamily("jointsup_relay_published", "Outbox events this process published to Kafka",
                                    labels=["service"])
    published.add_metric([runtime.name], runtime.relay.published)
    leader = GaugeMetricFamily("jointsup_relay_leader", "1 while this replica is the one relaying the outbox",
                               labels=["service"])
    leader.add_metric([runtime.name], int(runtime.relay.leadership.leading))
    return [published, leader]


async def _outbox(runtime: ServiceRuntime) -> list[Metric]:
    c = runtime.tables.outbox.c
    async with runtime.engine.connect() as conn:
        pending, oldest = (await conn.execute(select(func.count(), func.min(c.created_at))
                                              .where(c.published_at.is_(None)))).one()
    backlog = GaugeMetricFamily("jointsup_outbox_unpublished", "Committed events not yet published to Kafka",
                                labels=["service"])
    backlog.add_metric([runtime.name], pending)
    age = GaugeMetricFamily("jointsup_outbox_oldest_unpublished_seconds",
                            "Age of the oldest event not yet published (0 when none waits)", labels=["service"])
    age.add_metric([runtime.name], seconds_since(oldest))
    return [backlog, age]


def seconds_since(moment: datetime | None) -> float:
    """How long ago `moment` was (an aware datetime, as UtcDateTime columns read); 0 for none."""
    return (datetime.now(timezone.utc) - moment).total_seconds() if moment else 0.0


def _consumer_outcomes(runtime: ServiceRuntime) -> list[Metric]:
    records = CounterMetricFamily("jointsup_consumer_records", "Records this process's consumer dealt with, by outcome",
                                  labels=["service", "group", "outcome"])
    waits = CounterMetricFamily("jointsup_consumer_database_waits",
                                "Times the consumer waited for an away database", labels=["service", "group"])
    assigned = GaugeMetricFamily("jointsup_consumer_assigned_partitions", "Partitions assigned to this member",
                                 labels=["service", "group"])
    started = GaugeMetricFamily("jointsup_consumer_started", "1 once this member has joined its group",
                                labels=["service", "group"])
    failed = CounterMetricFamily("jointsup_consumer_start_failures", "Attempts to join the group that failed or "
                                 "stalled (each followed by a new consumer)", labels=["service", "group"])
    for consumer in runtime.consumers:
        started.add_metric([runtime.name, consumer.group_id], int(consumer.started.is_set()))
        failed.add_metric([runtime.name, consumer.group_id], consumer.stats["start_failed"])
        for outcome in consumer_metrics.OUTCOMES:
            records.add_metric([runtime.name, consumer.group_id, outcome], consumer.stats[outcome])
        waits.add_metric([runtime.name, consumer.group_id], consumer.stats["waited_for_database"])
        assigned.add_metric([runtime.name, consumer.group_id], len(consumer.consumer.assignment()))
    return [records, waits, assigned, started, failed]


def _refusals(runtime: ServiceRuntime) -> Metric:
    refused = CounterMetricFamily("jointsup_events_refused", "Events a handler would not apply (an outcome for a "
                                  "complaint its clue never came from, ...), by type and reason",
                                  labels=["service", "type", "reason"])
    for (event_type, reason), count in sorted(runtime.refusals.counts.items()):
        refused.add_metric([runtime.name, event_type, reason], count)
    return refused


async def _lag(runtime: ServiceRuntime, consumer) -> list[Metric]:
    lag = GaugeMetricFamily("jointsup_consumer_lag", "Records on a partition the group has not committed yet",
                            labels=["service", "group", "topic", "partition"])
    for tp, behind in sorted((await consumer_metrics.lag(consumer.consumer, consumer.topics)).items()):
        lag.add_metric([runtime.name, consumer.group_id, tp.topic, str(tp.partition)], behind)
    return [lag]


async def _dead_letters(runtime: ServiceRuntime, consumer) -> list[Metric]:
    letters = GaugeMetricFamily("jointsup_dead_letters", "Records in the service's dead-letter topic",
                                labels=["service", "topic"])
    letters.add_metric([runtime.name, consumer.dlq], await consumer_metrics.dead_letters(consumer.consumer, consumer.producer, consumer.dlq))
    return [letters]


def _ended_loops(runtime: ServiceRuntime) -> Metric:
    ended = GaugeMetricFamily("jointsup_loop_ended", "1 for a background loop that ended while the service runs",
                              labels=["service", "loop"])
    for name in sorted(runtime.ended_loops):
        ended.add_metric([runtime.name, name], 1)
    return ended
