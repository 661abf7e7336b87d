"""A reconciliation of a load (harness/load.py) through the stack (harness/stack.py): what arrived where, what
arrived twice, what was lost, and what is left to consume or relay."""
import asyncio
import importlib
import shutil
import time

from aiokafka import ConsumerRecord
from sqlalchemy import func, select

from harness.load import LEAD, clustered_merchants, escalated
from harness.stack import Stack
from shared.db import make_engine
from shared.events.envelope import TYPE_PREFIX
from shared.events.topics import SERVICES, dlq_topic
from shared.messaging.kafka import make_consumer


async def count_keys(url: str, key_column, keys: list[str], *where) -> tuple[int, int]:
    """Rows for these keys (and `where`), and how many keys appear more than once."""
    rows = await _rows(url, select(key_column, func.count()).where(key_column.in_(keys), *where).group_by(key_column))
    return len(rows), sum(1 for _, c in rows if c > 1)


async def dead_letters(s: Stack) -> list[ConsumerRecord]:
    """Everything in the services' dead-letter topics (read until two polls come back empty)."""
    consumer = make_consumer(s.bootstrap, group_id=None, client_id="drill", topics=[
        dlq_topic(n) for n in SERVICES])
    await consumer.start()
    records, empty_polls = [], 0
    try:
        while empty_polls < 2:
            batches = await consumer.getmany(timeout_ms=1000)
            records += [r for batch in batches.values() for r in batch]
            empty_polls = 0 if batches else empty_polls + 1
        return records
    finally:
        await consumer.stop()


async def backlog(s) -> dict[str, dict | None]:
    """Per service, from the databases: events its outbox has not relayed yet (`unpublished`), and events relayed
    on the topics it consumes, of types it has a handler for, that it has not handled (`unhandled`); None for a
    service whose database does not answer. Not from the broker's offsets: the embedded broker reports log ends
    too low after multi-record batches, so a group's lag can read 0 with records still to consume."""
    outboxes, handled = {}, {}
    for name, url in s.databases.items():
        tables = _definition(name).tables
        try:
            outboxes[name] = await _rows(url, select(tables.outbox.c.topic, tables.outbox.c.event_type,
                                                     tables.outbox.c.event_id, tables.outbox.c.published_at))
            handled[name] = {row.event_id for row in await _rows(url, select(tables.processed.c.event_id).where(
                tables.processed.c.consumer == name))}
        except Exception:  # a database that does not answer is reported, not raised
            outboxes[name] = handled[name] = None
    relayed = [row for rows in outboxes.values() if rows for row in rows if row.published_at is not None]
    found: dict[str, dict | None] = {}
    for name in s.databases:
        if outboxes[name] is None:
            found[name] = None
            continue
        consumes, types = set(_definition(name).consumes), handled_types(name)
        due = {row.event_id for row in relayed if row.topic in consumes and row.event_type.removeprefix(
            TYPE_PREFIX) in types}
        found[name] = {"unhandled": len(due - handled[name]),
                       "unpublished": sum(1 for row in outboxes[name] if row.published_at is None)}
    return found


def handled_types(service: str) -> set[str]:
    """The event types a service has handlers for (its handler factory only closes over the runtime it gets)."""
    definition = _definition(service)
    return set(definition.handlers(None)) if definition.handlers else set()


def _definition(service: str):
    return importlib.import_module(f"services.{service}.app").DEFINITION


async def _rows(url: str, query) -> list:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(query)).all()
    finally:
        await engine.dispose()


def drained(backlogs: dict[str, dict | None]) -> bool:
    return all(b is not None and not b["unhandled"] and not b["unpublished"] for b in backlogs.values())


async def reconcile(s: Stack, ids: list[str], *, started: float, dead_letters_expected: int = 0,
                    timeout: float = 120) -> dict:
    """Wait until every complaint reached notify (lead inbox), cases and credit, and nothing is left to consume
    or relay anywhere, or the timeout; `started` is when the load began (time.monotonic()), so `seconds` is how
    long the whole load took to get through."""
    from services.cases.tables import Clue, ComplaintRef
    from services.credit.tables import SubjectComplaint
    from services.notify.tables import InboxItem

    inbox, clue = InboxItem.__table__.c, Clue.__table__.c
    up, merchants = escalated(ids), clustered_merchants(len(ids))

    def in_lead_inbox(event_type: str) -> tuple:
        return inbox.recipient == LEAD, inbox.event_type == f"jointsup.{event_type}"

    # place → (expected, [(database, key column, keys, conditions), ...]); a key found twice is a duplicate
    checks = {
        "notify inbox": (len(ids), [(s.databases["notify"], inbox.aggregate_id, ids,
                                     in_lead_inbox("complaint.routed"))]),
        "cases projection": (len(ids), [(s.databases["cases"], ComplaintRef.__table__.c.complaint_id, ids, ())]),
        "credit projection": (len(ids), [(s.databases["credit"], SubjectComplaint.__table__.c.complaint_id, ids,
                                          ())]),
        "cases clues": (len(up) + len(merchants), [
            (s.databases["cases"], clue.source_ref, up, (clue.source == "complaint",)),
            (s.databases["cases"], clue.subject_uscc, merchants, (clue.source == "cluster",))]),
        "inbox escalations": (len(up), [(s.databases["notify"], inbox.aggregate_id, up,
                                         in_lead_inbox("complaint.escalated"))]),
    }

    async def counted(queries) -> tuple[int, int]:
        found = [await count_keys(url, column, keys, *where) for url, column, keys, where in queries if keys]
        return sum(f for f, _ in found), sum(d for _, d in found)

    deadline = time.monotonic() + timeout
    while True:
        counts = {name: await counted(queries) for name, (_, queries) in checks.items()}
        arrived = all(counts[name][0] == expected for name, (expected, _) in checks.items())
        if arrived and drained(await backlog(s)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    seconds = time.monotonic() - started
    left = await backlog(s)
    s.keep_logs = True
    letters = await dead_letters(s)
    while len(letters) < dead_letters_expected and time.monotonic() < deadline:
        letters = await dead_letters(s)
    result = {"expected": len(ids), "seconds": seconds,
              "places": {name: outcome(checks[name][0], found, dup) for name, (found, dup) in counts.items()},
              "dead letters": len(letters), "dead letters expected": dead_letters_expected, "left": left,
              "logs": s.logs}
    if not clean(result):
        await s.snapshot()
    return result


def clean(result: dict) -> bool:
    """Nothing lost, nothing doubled, nothing left to consume or relay, and exactly the dead letters expected."""
    return (all(not counts["lost"] and not counts["duplicated"] for counts in result["places"].values())
            and drained(result["left"]) and result["dead letters"] == result["dead letters expected"])


def kept_unless_clean(result: dict) -> dict:
    """`result`, its services' logs removed if it came out clean, else with a note of where they are."""
    if clean(result):
        shutil.rmtree(result["logs"], ignore_errors=True)
        return result
    return {**result, "notes": [*result.get("notes", []), f"the services' logs: {result['logs']}"]}


def outcome(expected: int, delivered: int, duplicated: int) -> dict:
    return {"expected": expected, "delivered": delivered, "duplicated": duplicated, "lost": expected - delivered}


def table(rows: list[tuple[str, str, dict]]) -> str:
    """One line per place reconciled, then the dead letters; `s` is the time the load took to get through."""
    lines = [f"{'drill':<20}{'fault':<36}{'where':<19}{'expected':>9}{'delivered':>10}{'duplicated':>11}"
             f"{'lost':>6}{'s':>6}"]
    for drill, fault, result in rows:
        lead = f"{drill:<20}{fault:<36}"
        for where, counts in result["places"].items():
            lines.append(f"{lead}{where:<19}{counts['expected']:>9}{counts['delivered']:>10}"
                         f"{counts['duplicated']:>11}{counts['lost']:>6}{result['seconds']:>6.0f}")
        lines.append(f"{lead}{'dead-letter topics':<19}{result['dead letters expected']:>9}"
                     f"{result['dead letters']:>10}")
        lines.append(f"{lead}left to consume or relay at the end: {_left(result['left'])}")
        lines += [f"{lead}{note}" for note in result.get("notes", [])]
    return "\n".join(lines)


def _left(backlogs: dict[str, dict | None]) -> str:
    if drained(backlogs):
        return "nothing"
    return "; ".join(f"{name} did not say" if b is None else
                     f"{name} unhandled {b['unhandled']}, unpublished {b['unpublished']}"
                     for name, b in backlogs.items() if b is None or b["unhandled"] or b["unpublished"])
