"""Test helpers: unique ids, valid USCCs, tokens, polling, captured logs, /metrics read back."""
import asyncio
import logging
import random
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client.parser import text_string_to_metric_families

from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET
from shared.uscc import make_uscc

_ORG_ALPHABET = string.digits + "ABCDEFGHJKLMNPQRTUWXY"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def random_uscc(region: str = "440105") -> str:
    """A valid USCC in `region` that no other test uses."""
    return make_uscc(region, "".join(random.choices(_ORG_ALPHABET, k=8)))


def token(*, agency: str | None = None, roles: list[str], platform: str | None = None,
          secret: str = DEV_JWT_SECRET, ttl: int = 3600) -> str:
    return mint_token(secret, sub=f"test:{agency or platform}", agency=agency, roles=roles, platform=platform,
                      ttl_seconds=ttl)


def auth(**kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(**kwargs)}"}


async def eventually(check, *, timeout: float = 20.0, interval: float = 0.1, what: str = "condition"):
    """Await `check()` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


def complainant(phone: str | None = None, id_number: str | None = None) -> dict:
    """A complainant nobody else uses (so the abuse thresholds count only what a test means them to)."""
    return {"name": "张三", "phone": phone or f"138{random.randrange(10**8):08d}", "email": "zhang@example.com",
            "id_number": id_number or f"440105199001{random.randrange(10**6):06d}"}


def complaint_body(**overrides) -> dict:
    """A valid complaint against a fresh Haizhu merchant."""
    body = {
        "kind": "complaint",
        "channel": "hotline_12345",
        "external_ref": unique("ext"),
        "complainant": complainant(),
        "subject": {"uscc": random_uscc("440105"), "name": "海珠某餐饮店", "region": "440105"},
        "category": "food_safety",
        "description": "外卖食品变质，商家拒绝退款。",
        "amount": "58.50",
    }
    body.update(overrides)
    return body


INTAKE = {"agency": "440100-12345", "roles": ["intake"]}


def officer(agency: str, *roles: str) -> dict[str, str]:
    return auth(agency=agency, roles=list(roles or ("officer",)))


async def publish(bootstrap: str, event_type: str, *, subject: str, payload, event_id: str | None = None) -> str:
    """Put one event on its topic through the real broker, as the service owning it would; returns its id."""
    from shared.events import encode, spec_for
    from shared.messaging.kafka import make_producer

    spec = spec_for(event_type)
    event = encode(type=event_type, source="/jointsup/test", subject=subject, data=payload.model_dump(mode="json"),
                   event_id=event_id)
    producer = make_producer(bootstrap, client_id="jointsup-test")
    await producer.start()
    try:
        await producer.send_and_wait(spec.topic, event.value, key=event.key.encode(), headers=list(event.headers.items()))
    finally:
        await producer.stop()
    return event.id


async def outbox_types(runtime, key: str) -> list[str]:
    """The event types a service wrote for one aggregate, in order (short form, without `jointsup.`)."""
    from sqlalchemy import select
    outbox = runtime.tables.outbox
    async with runtime.sessionmaker() as session:
        rows = await session.exec(select(outbox.c.event_type).where(outbox.c.key == key).order_by(outbox.c.seq))
        return [t.removeprefix("jointsup.") for (t,) in rows]


async def read_event(bootstrap: str, topic: str, event_type: str, key: str, *, timeout: float = 30.0):
    """The first event of `event_type` for aggregate `key` on `topic`, read from the real broker."""
    import asyncio

    from shared.events import decode
    from shared.messaging.kafka import make_consumer

    consumer = make_consumer(bootstrap, group_id=None, client_id="jointsup-test", topics=[topic],
                             session_timeout_ms=6000)
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            async for record in consumer:
                if record.key == key.encode():
                    event = decode(record.value, record.headers)
                    if event.type.removeprefix("jointsup.") == event_type:
                        return event
    finally:
        await consumer.stop()


@contextmanager
def logged(logger: str, level: int = logging.WARNING) -> Iterator[list[str]]:
    """What `logger` writes at `level` or above inside the block, tracebacks included (pytest's logging plugin
    is off for this suite)."""
    lines: list[str] = []
    handler = logging.Handler(level)
    handler.emit = lambda record: lines.append(logging.Formatter().format(record))
    logging.getLogger(logger).addHandler(handler)
    try:
        yield lines
    finally:
        logging.getLogger(logger).removeHandler(handler)


def migrated(url: str, *, service: str, seed_at: str, seed, steps: list[tuple[str, str]], read) -> list:
    """Migrate `service`'s database to `seed_at`, write the rows `seed(connection)` writes, take the migration
    `steps` ("upgrade" or "downgrade", revision), and return what `read` selects."""
    from alembic import command
    from sqlalchemy import create_engine

    from shared.db import alembic_config, sync_url

    config = alembic_config(url, service)
    command.upgrade(config, seed_at)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        seed(conn)
    for step, revision in steps:
        getattr(command, step)(config, revision)
    with engine.connect() as conn:
        rows = conn.execute(read).all()
    engine.dispose()
    return rows


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples_of(exposition: str) -> Samples:
    """A /metrics answer (Prometheus text format) as (sample name, sorted labels) → value."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(exposition) for sample in family.samples}


def total(samples: Samples, name: str, **labels: str) -> float | None:
    """The sum of `name` over the samples carrying `labels`; None when there is none."""
    found = [value for (sample, sample_labels), value in samples.items()
             if sample == name and set(labels.items()) <= set(sample_labels)]
    return sum(found) if found else None
