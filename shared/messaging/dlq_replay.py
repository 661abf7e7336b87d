"""Replay dead letters: move them from `jointsup.dlq.<service>` to the service's retry topic."""
from aiokafka import TopicPartition

from shared.events.topics import dlq_topic, retry_topic

from .kafka import ensure_topics, make_consumer, make_producer


async def replay(bootstrap: str, service: str, *, limit: int | None = None, partitions: int = 3,
                 session_timeout_ms: int = 10_000) -> int:
    """Re-send up to `limit` dead letters of `service` for another try; returns how many."""
    source, target = dlq_topic(service), retry_topic(service)
    await ensure_topics(bootstrap, [source, target], partitions=partitions)
    consumer = make_consumer(bootstrap, group_id=f"jointsup-dlq-replay-{service}",
                             client_id="jointsup-dlq-replay", topics=[source], session_timeout_ms=session_timeout_ms)
    producer = make_producer(bootstrap, client_id="jointsup-dlq-replay")
    await consumer.start()
    await producer.start()
    moved = 0
    try:
        while limit is None or moved < limit:
            batches = await consumer.getmany(timeout_ms=2000, max_records=100)
            if not batches:
                break
            for tp, records in batches.items():
                last = None
                for record in records[: None if limit is None else limit - moved]:
                    headers = [(k, v) for k, v in record.headers if not k.startswith("dlq-")]
                    headers.append(("dlq-replayed", b"true"))
                    await (await producer.send(target, value=record.value, key=record.key, headers=headers))
                    moved, last = moved + 1, record.offset
                if last is not None:
                    await consumer.commit({TopicPartition(tp.topic, tp.partition): last + 1})
    finally:
        await consumer.stop()
        await producer.stop()
    return moved
