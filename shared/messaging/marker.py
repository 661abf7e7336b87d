"""Whether the broker still holds what a relay sent: the embedded broker keeps its log in memory only, so a
broker that restarted, or the new one of a `make run` after a kill, holds none of it."""
import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient

from shared.events.topics import relay_marker_topic

from .kafka import ensure_topics

log = logging.getLogger(__name__)


class BrokerMarker:
    """A topic of the relay's own, created once the broker holds everything the outbox retains. The broker loses
    it with the rest of its log, so its absence says the log is new, whatever offsets the broker reports."""

    def __init__(self, bootstrap: str, service: str, *, topics: list[str], partitions: int, timeout: float = 5.0):
        self.bootstrap, self.topics, self.partitions, self.timeout = bootstrap, topics, partitions, timeout
        self.topic = relay_marker_topic(service)
        self._admin: AIOKafkaAdminClient | None = None

    async def present(self) -> bool:
        """Asks the broker (its topic list: a request for one topic by name would create it on Tansu)."""
        try:
            if self._admin is None:
                self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap,
                                                  request_timeout_ms=int(self.timeout * 1000))
                await asyncio.wait_for(self._admin.start(), self.timeout)
            return self.topic in await asyncio.wait_for(self._admin.list_topics(), self.timeout)
        except Exception:
            await self.close()  # the broker away or a new one: a new client next time
            raise

    async def prepare(self) -> None:
        """The topics with their partitions, before anything is sent again (sending would create them with the
        broker's default count)."""
        await ensure_topics(self.bootstrap, self.topics, partitions=self.partitions, timeout=self.timeout)

    async def set(self) -> None:
        """Everything retained is on the broker again."""
        await ensure_topics(self.bootstrap, [self.topic], partitions=1, timeout=self.timeout)

    async def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            try:
                await admin.close()
            except Exception as exc:
                log.info("closing the marker's admin client: %s", exc)
