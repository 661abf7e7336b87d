"""Joining the consumer group: a new aiokafka consumer after each failed or stalled attempt, and leaving it."""
import asyncio
import logging
from collections import Counter
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

log = logging.getLogger(__name__)

# How long one attempt to join the group may take before a new consumer tries (doubling each time, up to 8x):
# a join waits for the other members to rejoin, which takes up to their session timeout.
START_TIMEOUT_SECONDS = 60.0


class Membership:
    """This member's aiokafka consumer (`consumer`), replaced by a new one whenever a join fails."""

    def __init__(self, service: str, make_consumer: Callable[[], AIOKafkaConsumer], stats: Counter[str], *,
                 start_timeout: float = START_TIMEOUT_SECONDS):
        self.service, self._make_consumer, self.stats = service, make_consumer, stats
        self.start_timeout = start_timeout
        self.consumer = make_consumer()

    async def join(self, stopping: asyncio.Event) -> bool:
        """Join the group, with a new aiokafka consumer after each failed or stalled attempt: one whose start()
        failed part-way (a coordinator error aborts its wait for an assignment) refuses every later start()
        ("Did you call `start` twice?"), so retrying the same one would never consume. False when stopped first."""
        timeout, delay = self.start_timeout, 0.2
        while not stopping.is_set():
            try:
                await asyncio.wait_for(self.consumer.start(), timeout)
                return True
            except Exception as exc:  # the broker away, a coordinator error, a join that does not end
                self.stats["start_failed"] += 1
                log.warning("%s consumer did not start (%s: %s); a new one tries in %.1f s", self.service,
                            type(exc).__name__, exc, delay)
                await self._discard_consumer()
                try:
                    await asyncio.wait_for(stopping.wait(), delay)
                except TimeoutError:
                    pass
                timeout, delay = min(timeout * 2, self.start_timeout * 8), min(delay * 2, 5.0)
        return False

    async def _discard_consumer(self) -> None:
        try:
            await self.consumer.stop()
        except Exception as exc:  # what did start is closed as far as it can be; the new consumer is what counts
            log.info("%s: closing a consumer that did not start: %s", self.service, exc)
        self.consumer = self._make_consumer()

    async def commit(self, handled_up_to: dict[TopicPartition, int]) -> None:
        """Commit the offsets after these records, per partition."""
        try:
            await self.consumer.commit({tp: offset + 1 for tp, offset in handled_up_to.items()})
        except (CommitFailedError, KafkaError) as exc:
            # Partitions moved to another member: it redelivers, and the processed table dedupes.
            log.warning("%s commit of %s failed: %s", self.service, sorted(handled_up_to), exc)

    async def leave(self) -> None:
        await self.consumer.stop()
