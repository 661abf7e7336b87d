"""The sanction check an agency system makes before acting (GET /v1/subjects/{uscc}/sanctions/check):
its latency with many listed subjects, against the floor of one trivial query on the same connection.

    .venv/bin/python -m bench.credit_sanction_check [--subjects 200000] [--listed-share 0.1] [--database-url ...]
"""
import argparse
import asyncio
import random
import statistics
import time
from datetime import datetime, timezone
from types import SimpleNamespace

from sqlalchemy import text

from bench.generate import load_listings
from harness.scratch import add_database_argument, scratch_database
from services.credit.listing import check
from services.credit.repository import CreditUnitOfWork
from services.credit.rules_file import load_catalogue
from services.credit.settings import CreditSettings
from shared.db import make_engine, make_sessionmaker, migrate
from shared.runtime import build_calendar
from shared.uscc import make_uscc


async def timed(fn, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"p50 {statistics.median(ms):7.3f} ms   p99 {ms[int(len(ms) * 0.99) - 1]:7.3f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--listed-share", type=float, default=0.1)
    parser.add_argument("--samples", type=int, default=2000)
    add_database_argument(parser)
    args = parser.parse_args()
    async with scratch_database(args.database_url, "credit") as url:
        await run(url, args)


async def run(url: str, args) -> None:
    await migrate(url, "credit")
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    rng = random.Random(11)
    usccs = [make_uscc("440105", f"{i:08d}") for i in range(args.subjects)]
    listed = rng.sample(usccs, int(len(usccs) * args.listed_share))
    settings = CreditSettings()
    runtime = SimpleNamespace(settings=settings, now=lambda: datetime.now(timezone.utc),
                              calendar=build_calendar(settings))
    measures = list(load_catalogue(settings.sanctions_path))
    t0 = time.perf_counter()
    await load_listings(sessionmaker, listed, measures)
    print(f"{engine.dialect.name}: {args.subjects:,} subjects, {len(listed):,} listed, "
          f"{len(listed) * len(measures):,} sanctions loaded in {time.perf_counter() - t0:.1f}s")
    async with sessionmaker() as session:
        uow = CreditUnitOfWork(runtime, session)
        answers = [await check(uow=uow, uscc=u, measure="government_procurement") for u in (listed[0], usccs[0])]
        assert answers[0]["allowed"] is False and (answers[1]["allowed"] is True or usccs[0] in listed)
        floor = await timed(lambda: session.exec(text("SELECT 1")), args.samples)
        checks = await timed(lambda: check(uow=uow, uscc=rng.choice(usccs), measure=rng.choice(measures)), args.samples)
    print(f"{'baseline (SELECT 1)':<22}{summary(floor)}")
    print(f"{'sanction check':<22}{summary(checks)}")
    print(f"check / baseline (p50): {statistics.median(checks) / statistics.median(floor):.1f}x")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
