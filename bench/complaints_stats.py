"""Public complaint statistics with a million complaints: counters (what the service serves) against the
baseline of aggregating the complaint table on each request, both measured here on the same data.

    .venv/bin/python -m bench.complaints_stats [--complaints 1000000] [--database-url postgresql://host/any]

Prints the time per request for the whole region, one platform and one subject, and the ratio.
"""
import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, cast, func, select

from harness.scratch import add_database_argument, scratch_database
from services.complaints.domain.lifecycle import RESOLVED_OUTCOMES, STATUSES
from services.complaints.domain.stats import median_hours
from services.complaints.stats import public_stats, rebuild_counters
from services.complaints.tables import Complaint
from shared.db import make_engine, make_sessionmaker, migrate
from shared.uscc import make_uscc

PLATFORMS = ["taobao", "tmall", "jd", "meituan", "pinduoduo", "douyin", "vipshop"]
CATEGORIES = ["consumer_dispute", "false_advertising", "fake_reviews", "counterfeit", "price_violation",
              "food_safety", "personal_information"]


def rows(n: int, subjects: list[str], start: datetime):
    rng = random.Random(7)
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        status = rng.choice(STATUSES)
        closed = received + timedelta(hours=rng.randrange(1, 60 * 24)) if status == "closed" else None
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "kind": "complaint", "channel": "web",
            "external_ref": f"bench-{i}", "status": status, "category": rng.choice(CATEGORIES),
            "category_source": "given", "category_terms": [], "subject_uscc": rng.choice(subjects),
            "subject_platform": rng.choice(PLATFORMS), "subject_region": "440105", "description": "bench",
            "lead_agency": "440105-amr", "co_agencies": [], "created_by": "bench", "received_at": received,
            "updated_at": closed or received, "closed_at": closed, "extended": False,
            "outcome": rng.choice(sorted(RESOLVED_OUTCOMES) + ["withdrawn"]) if closed else None,
        }


async def load(sessionmaker, n: int, subjects: list[str]) -> None:
    table = Complaint.__table__
    batch: list[dict] = []
    start = datetime(2025, 11, 1, tzinfo=timezone.utc)
    async with sessionmaker() as session:
        for row in rows(n, subjects, start):
            batch.append(row)
            if len(batch) == 20_000:
                await (await session.connection()).execute(table.insert(), batch)
                await session.commit()
                batch = []
        if batch:
            await (await session.connection()).execute(table.insert(), batch)
        await session.commit()
        await rebuild_counters(session)
        await session.commit()


async def aggregate_on_request(session, *, platform: str | None, subject: str | None) -> dict:
    """The baseline: what answering from the complaint table itself costs (same answer, no counters)."""
    c = Complaint.__table__.c
    where = [c.subject_uscc == subject] if subject else [c.subject_platform == platform] if platform else []
    connection = await session.connection()
    counts = (await connection.execute(select(c.category, c.status, func.count()).where(*where)
                                       .group_by(c.category, c.status))).all()
    if connection.dialect.name == "postgresql":
        hours = func.floor(func.extract("epoch", c.closed_at - c.received_at) / 3600)
    else:
        hours = (func.julianday(c.closed_at) - func.julianday(c.received_at)) * 24
    closes = (await connection.execute(select(cast(hours, Integer), c.outcome.in_(sorted(RESOLVED_OUTCOMES)))
                                       .where(*where, c.status == "closed"))).all()
    histogram: dict[int, int] = {}
    for h, _ in closes:
        histogram[h] = histogram.get(h, 0) + 1
    return {"total": sum(n for *_, n in counts), "closed": len(closes),
            "resolved": sum(1 for _, r in closes if r), "median_hours_to_close": median_hours(histogram)}


async def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=20_000)
    add_database_argument(parser)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    async with scratch_database(args.database_url, "complaints") as url:
        await run(url, args)


async def run(url: str, args) -> None:
    await migrate(url, "complaints")
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    subjects = [make_uscc("440105", f"{i:08d}") for i in range(args.subjects)]
    t0 = time.perf_counter()
    await load(sessionmaker, args.complaints, subjects)
    print(f"loaded {args.complaints:,} complaints on {engine.dialect.name} in {time.perf_counter() - t0:.1f}s")
    print(f"{'scope':<22}{'baseline ms':>14}{'counters ms':>14}{'speed-up':>10}")
    for label, scope in [("whole region", {"platform": None, "subject": None}),
                         ("one platform", {"platform": "jd", "subject": None}),
                         ("one subject", {"platform": None, "subject": subjects[0]})]:
        async with sessionmaker() as session:
            served = await public_stats(session, **scope)
            baseline = await aggregate_on_request(session, **scope)
            assert {k: served[k] for k in baseline} == baseline, (served, baseline)  # same answer
            slow = await timed(lambda: aggregate_on_request(session, **scope), args.repeat)
            fast = await timed(lambda: public_stats(session, **scope), args.repeat)
        print(f"{label:<22}{slow * 1000:>14.2f}{fast * 1000:>14.2f}{slow / fast:>9.0f}x")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
