"""What a running service holds: database, Kafka clients, relay, consumers, and the shared rules."""
import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib.metadata import version
from typing import Generic, TypeVar

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from shared.db import DATABASE_AWAY
from shared.events import topics
from shared.identity import TokenVerifier
from shared.messaging import EventConsumer, Handler, MessagingTables, Outbox, OutboxRelay
from shared.messaging.ack_policy import AckPolicy
from shared.messaging.kafka import connect_with_retry, ensure_topics
from shared.messaging.refusals import Refusals
from shared.pii import KeyedHasher, PiiCipher
from shared.registry import Registry
from shared.settings import ServiceSettings
from shared.workdays import WorkingCalendar, parse_dates

log = logging.getLogger(__name__)
CALENDAR_WARNING_DAYS = 120  # a 45-working-day mediation started today ends within about 65 days
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
ExtensionsT = TypeVar("ExtensionsT")


@dataclass
class ServiceRuntime(Generic[SettingsT, ExtensionsT]):
    """Built in the app's lifespan, reached by routes through `app.state.runtime`. `extensions` are the service's
    own long-lived objects (notify's deliverer), made by its `on_start`; None for a service without any."""

    name: str
    settings: SettingsT
    engine: AsyncEngine
    sessionmaker: async_sessionmaker
    producer: AIOKafkaProducer
    relay: OutboxRelay
    outbox: Outbox
    tables: MessagingTables
    verifier: TokenVerifier
    registry: Registry
    cipher: PiiCipher
    hasher: KeyedHasher
    calendar: WorkingCalendar
    consumers: list[EventConsumer] = field(default_factory=list)
    kafka_connected: asyncio.Event = field(default_factory=asyncio.Event)
    extensions: ExtensionsT | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))  # tests move time
    # Loops (relay, consumers, sweepers) that ended while the service runs, and why: /healthz and /readyz report them.
    ended_loops: dict[str, str] = field(default_factory=dict)
    # A service's own readings for /metrics, besides the shared ones: each takes the runtime and returns
    # prometheus_client metric families.
    readings: list[Callable[["ServiceRuntime"], Awaitable[list]]] = field(default_factory=list)
    refusals: Refusals = field(default_factory=Refusals)  # events its handlers would not apply
    _tasks: list[asyncio.Task] = field(default_factory=list)
    _closers: list[Callable[[], Awaitable]] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def add_consumer(self, handlers: Mapping[str, Handler], consumed: list[str]) -> EventConsumer:
        """Subscribe the service to `consumed` topics plus its own retry topic."""
        s = self.settings
        consumer = EventConsumer(
            service=self.name, bootstrap=s.kafka_bootstrap_servers,
            topics=[*consumed, topics.retry_topic(self.name)], handlers=handlers,
            sessionmaker=self.sessionmaker, processed=self.tables.processed, producer=self.producer,
            policy=AckPolicy(max_attempts=s.consumer_max_attempts, backoff_seconds=s.consumer_backoff_seconds),
            session_timeout_ms=s.consumer_session_timeout_ms, fetch_max_wait_ms=s.consumer_fetch_max_wait_ms,
            records_per_transaction=s.consumer_records_per_transaction,
        )
        self.consumers.append(consumer)
        return consumer

    def start_kafka(self) -> None:
        """Connect in the background: the service serves HTTP (and fills its outbox) while Kafka is away."""
        self._tasks.append(asyncio.create_task(self._kafka_supervisor(), name=f"{self.name}-kafka"))

    async def _kafka_supervisor(self) -> None:
        s = self.settings
        if not await connect_with_retry(self.producer.start, what=f"{self.name} producer", stopping=self._stopping):
            return
        wanted = sorted({t for c in self.consumers for t in c.topics} | set(topics.used_by(self.name)))
        await connect_with_retry(lambda: ensure_topics(s.kafka_bootstrap_servers, wanted,
                                                       partitions=s.topic_partitions),
                                 what=f"{self.name} topics", stopping=self._stopping)
        self.kafka_connected.set()
        self.spawn(self.relay.run(), "relay")
        for consumer in self.consumers:
            self.spawn(consumer.run(), "consumer")

    def on_stop(self, closer: Callable[[], Awaitable]) -> None:
        """Run `closer` when the service stops, after its loops have ended."""
        self._closers.append(closer)

    def now(self) -> datetime:
        return self.clock()

    def spawn(self, coro, name: str) -> None:
        """Run a background loop (relay, consumer, sweeper) for the life of the service."""
        task = asyncio.create_task(coro, name=f"{self.name}-{name}")
        task.add_done_callback(self._ended)
        self._tasks.append(task)

    def _ended(self, task: asyncio.Task) -> None:
        if self._stopping.is_set() or task.cancelled():
            return
        error = task.exception()
        self.ended_loops[task.get_name()] = type(error).__name__ if error else "returned"
        log.error("%s ended while the service runs", task.get_name(), exc_info=error)

    def every(self, seconds: float, job: Callable[[], Awaitable], name: str,
              wake: asyncio.Event | None = None) -> None:
        """Run `job` now and then every `seconds` (or as soon as `wake` is set) until the service stops; a failed
        round is logged, not fatal; the database being away is logged once when it goes and once when it is back."""
        async def loop():
            away = False
            while not self._stopping.is_set():
                if wake is not None:
                    wake.clear()
                try:
                    await job()
                    if away:
                        away = False
                        log.warning("%s %s: the database is back", self.name, name)
                except DATABASE_AWAY as exc:  # the next round tries again
                    if not away:
                        away = True
                        log.warning("%s %s: the database is away (%s); trying again every %s s", self.name, name,
                                    type(exc).__name__, seconds)
                except Exception:
                    log.exception("%s %s failed", self.name, name)
                waits = [asyncio.ensure_future(e.wait()) for e in (self._stopping, wake) if e is not None]
                await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()

        self.spawn(loop(), name)

    @property
    def stopping(self) -> asyncio.Event:
        return self._stopping

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop consumers and relay, flush the producer, close the database."""
        self._stopping.set()
        for consumer in self.consumers:
            consumer.stop()
        self.relay.stop()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for closer in self._closers:
            try:
                await asyncio.wait_for(closer(), timeout)
            except Exception as exc:
                log.warning("%s closing: %s", self.name, exc)
        try:
            await asyncio.wait_for(self.producer.stop(), timeout)
        except Exception as exc:
            log.warning("%s producer stop: %s", self.name, exc)
        await self.engine.dispose()


def build_calendar(settings: ServiceSettings, today: date | None = None) -> WorkingCalendar:
    """The working calendar; warns of a year within the deadlines' reach that counts only the law's days off."""
    calendar = WorkingCalendar(fallback_holidays=parse_dates(settings.fallback_holidays),
                               fallback_workdays=parse_dates(settings.fallback_workdays))
    today = today or datetime.now(timezone.utc).date()
    for year in calendar.provisional_years(today, today + timedelta(days=CALENDAR_WARNING_DAYS)):
        log.warning("chinese-calendar %s has no holiday arrangement for %d: its deadlines count the statutory "
                    "holidays and their make-up days, without the State Council's swaps. Once its notice is out, "
                    "upgrade chinese-calendar or set JOINTSUP_FALLBACK_HOLIDAYS and JOINTSUP_FALLBACK_WORKDAYS.",
                    version("chinesecalendar"), year)
    return calendar


HandlersFactory = Callable[[ServiceRuntime], Mapping[str, Handler]]
