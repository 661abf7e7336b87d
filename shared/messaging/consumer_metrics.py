"""What a consumer reports on /metrics beside its outcome counts: its group's lag and its dead-letter topic."""
import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

OUTCOMES = ("handled", "duplicate", "skipped", "dead_lettered")


async def lag(consumer: AIOKafkaConsumer, topics: list[str]) -> dict[TopicPartition, int]:
    """Records not yet committed by the consumer's group, per partition of `topics`: the log's end against the
    group's committed offset (or the log's start where the group has committed none), as Kafka's own tools count
    it, whatever this member happens to be assigned."""
    partitions = [TopicPartition(topic, p) for topic in topics
                  for p in sorted(consumer.partitions_for_topic(topic) or ())]
    if not partitions:
        return {}
    ends = await consumer.end_offsets(partitions)
    committed = dict(zip(partitions, await asyncio.gather(*(consumer.committed(tp) for tp in partitions))))
    uncommitted = [tp for tp, offset in committed.items() if offset is None]
    starts = await consumer.beginning_offsets(uncommitted) if uncommitted else {}
    return {tp: max(ends[tp] - (committed[tp] if committed[tp] is not None else starts[tp]), 0)
            for tp in partitions}


async def dead_letters(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, dlq: str) -> int:
    """How many records the dead-letter topic `dlq` holds (written by any member of the group)."""
    partitions = [TopicPartition(dlq, p) for p in sorted(await producer.partitions_for(dlq))]
    starts = await consumer.beginning_offsets(partitions)
    ends = await consumer.end_offsets(partitions)
    return sum(ends[tp] - starts[tp] for tp in partitions)
