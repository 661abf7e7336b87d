"""Writing a record to the service's dead-letter topic, with headers that say why, from where, after how many
attempts; `make dlq-replay` puts it back."""
import asyncio
import logging
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)


class DeadLetterWriter:
    def __init__(self, producer: AIOKafkaProducer, topic: str, *, service: str, group_id: str,
                 stopping: asyncio.Event):
        self.producer, self.topic, self.service, self.group_id = producer, topic, service, group_id
        self._stopping = stopping

    async def write(self, record: ConsumerRecord, error: BaseException | None, *, attempts: int) -> None:
        """Send `record` to the dead-letter topic, retrying until the broker has it (or the consumer stops)."""
        headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq-")] + [
            ("dlq-error", f"{type(error).__name__}: {error}"[:2000].encode()),
            ("dlq-original-topic", record.topic.encode()),
            ("dlq-original-partition", str(record.partition).encode()),
            ("dlq-original-offset", str(record.offset).encode()),
            ("dlq-consumer", self.group_id.encode()),
            ("dlq-attempts", str(attempts).encode()),
            ("dlq-failed-at", datetime.now(timezone.utc).isoformat().encode()),
        ]
        log.error("%s: dead-lettering %s[%d]@%d: %s", self.service, record.topic, record.partition,
                  record.offset, type(error).__name__)
        delay = 0.5
        while True:  # the offset is not committed until the dead letter is safely written
            try:
                await (await self.producer.send(self.topic, value=record.value, key=record.key, headers=headers))
                return
            except KafkaError as exc:
                if self._stopping.is_set():
                    raise  # not committed: the record comes back after the restart
                log.warning("%s: dead-letter write failed, retrying: %s", self.service, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
