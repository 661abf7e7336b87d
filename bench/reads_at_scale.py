"""Reads at scale on PostgreSQL: public statistics, a filtered complaint list, a case inbox and the sanction check
with a million complaints and 100,000 subjects, each against a baseline measured the same way in the same run.

    .venv/bin/python -m bench.reads_at_scale [--complaints 1000000] [--subjects 100000] [--requests 300]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

The services run in this process as in production (lifespan, Kafka on an embedded broker, sweepers) and are
called over ASGI with httpx, one request at a time, with real tokens. Prints a markdown table.
"""
import argparse
import asyncio
import gc
import os
import random
import time
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from sqlalchemy import text

from bench import generate
from bench.figures import pct
from harness.load import LOAD_RATE_LIMITS
from harness.scratch import SERVER_URL, add_database_argument, scratch_databases
from services.cases.app import create_app as cases_app
from services.cases.settings import CasesSettings
from services.complaints.app import create_app as complaints_app
from services.complaints.settings import ComplaintsSettings
from services.credit.app import create_app as credit_app
from services.credit.listing import check
from services.credit.repository import CreditUnitOfWork
from services.credit.rules_file import load_catalogue
from services.credit.settings import CreditSettings
from shared.broker import EmbeddedBroker, free_port
from shared.db import migrate
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET

APPS = {"complaints": (complaints_app, ComplaintsSettings), "cases": (cases_app, CasesSettings),
        "credit": (credit_app, CreditSettings)}
LISTED_SHARE = 0.05
AGENCY = "440105-amr"  # Haizhu's market regulator: lead agency of most complaints and cases in its district
LIST = "/v1/complaints?status=received&category=consumer_dispute"


def bearer(agency: str, *roles: str) -> dict:
    jwt = mint_token(DEV_JWT_SECRET, sub=f"bench:{agency}", agency=agency, roles=list(roles), ttl_seconds=7200)
    return {"Authorization": f"Bearer {jwt}"}


@asynccontextmanager
async def serving(urls: dict[str, str], bootstrap: str):
    """Each service's app with its lifespan started: name → (httpx client over ASGI, runtime)."""
    async with AsyncExitStack() as stack:
        services = {}
        for name, (create_app, settings) in APPS.items():
            app = create_app(settings(database_url=urls[name], kafka_bootstrap_servers=bootstrap,
                                      migrate_on_start=False, log_level="WARNING", **LOAD_RATE_LIMITS))
            await stack.enter_async_context(app.router.lifespan_context(app))
            runtime = app.state.runtime
            await asyncio.wait_for(runtime.kafka_connected.wait(), 60)
            for consumer in runtime.consumers:
                await asyncio.wait_for(consumer.started.wait(), 60)
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            services[name] = (await stack.enter_async_context(client), runtime)
        gc.freeze()  # as shared.serve does in a service process
        yield services


def get(client: httpx.AsyncClient, path, headers: dict | None = None):
    async def fetch(i: int):
        (await client.get(path(i), headers=headers)).raise_for_status()
    return fetch


def in_session(runtime, work):
    async def call(i: int):
        async with runtime.sessionmaker() as session:
            await work(session, i)
    return call


async def timed(fn, n: int) -> list[float]:
    """Milliseconds of n sequential calls fn(i), after ten unmeasured ones."""
    out = []
    for i in range(-10, n):
        t0 = time.perf_counter()
        await fn(i)
        if i >= 0:
            out.append((time.perf_counter() - t0) * 1000)
    return out


async def measure(urls: dict[str, str], bootstrap: str, world: generate.World, listed: list[str],
                  measures: list[str], n: int) -> list[tuple]:
    """(label, ms, baseline ms, target p99 ms) per baseline and read."""
    rng = random.Random(5)
    popular = [uscc for uscc, _ in world.subjects[:100]]
    unlisted = sorted({uscc for uscc, _ in world.subjects} - set(listed))
    officer = bearer(AGENCY, "officer")

    def sanction_check(subjects):
        return lambda i: f"/v1/subjects/{rng.choice(subjects)}/sanctions/check?measure={rng.choice(measures)}"

    async with serving(urls, bootstrap) as services:
        (complaints, _), (cases, _), (credit, runtime) = (services[name] for name in APPS)
        baselines = {name: (f"GET /healthz ({name})", get(client, lambda i: "/healthz"))
                     for name, (client, _) in services.items()}
        baselines["session"] = ("`SELECT 1` in a credit session", in_session(
            runtime, lambda s, i: s.exec(text("SELECT 1"))))
        total = (await complaints.get(LIST, headers=officer)).json()["total"]
        inbox = len((await cases.get("/v1/inbox", headers=officer)).json())
        reads = [
            ("GET /v1/public/stats (whole region)", "complaints", get(complaints, lambda i: "/v1/public/stats"), 50),
            ("GET /v1/public/stats?platform=jd", "complaints",
             get(complaints, lambda i: "/v1/public/stats?platform=jd"), 50),
            ("GET /v1/public/stats?subject= (100 busiest subjects)", "complaints",
             get(complaints, lambda i: f"/v1/public/stats?subject={popular[i % 100]}"), 50),
            (f"GET {LIST} ({AGENCY} officer, {total:,} match, page 1)", "complaints",
             get(complaints, lambda i: LIST, officer), 50),
            (f"GET /v1/inbox ({AGENCY} officer: all {inbox:,} items)", "cases",
             get(cases, lambda i: "/v1/inbox", officer), 50),
            (f"GET /v1/inbox?size=50 ({AGENCY} officer: first page)", "cases",
             get(cases, lambda i: "/v1/inbox?size=50", officer), 50),
            ("GET /v1/subjects/{uscc}/sanctions/check, listed subject", "credit",
             get(credit, sanction_check(listed), officer), 5),
            ("GET /v1/subjects/{uscc}/sanctions/check, unlisted subject", "credit",
             get(credit, sanction_check(unlisted), officer), 5),
            ("the same check without HTTP: `listing.check` in a session", "session", in_session(
                runtime, lambda s, i: check(uow=CreditUnitOfWork(runtime, s),
                                            uscc=rng.choice(listed if i % 2 else unlisted),
                                            measure=rng.choice(measures))), 5),
        ]
        measured = {name: await timed(fn, n) for name, (_, fn) in baselines.items()}
        rows = [(label, measured[name], None, None) for name, (label, _) in baselines.items()]
        for label, baseline, fn, target in reads:
            rows.append((label, await timed(fn, n), measured[baseline], target))
    return rows


def table(results: list[tuple]) -> str:
    lines = ["| read | p50 ms | p99 ms | p50 × baseline | p99 × baseline | target p99 | met |",
             "|---|---|---|---|---|---|---|"]
    for label, ms, base_ms, target in results:
        p50, p99 = pct(ms, .5), pct(ms, .99)
        if base_ms is None:
            lines.append(f"| baseline: {label} | {p50:.2f} | {p99:.2f} | | | | |")
            continue
        lines.append(f"| {label} | {p50:.2f} | {p99:.2f} | {p50 / pct(base_ms, .5):.1f}x | "
                     f"{p99 / pct(base_ms, .99):.1f}x | < {target} ms | {'met' if p99 < target else '**not met**'} |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per read")
    add_database_argument(parser, default=SERVER_URL)
    args = parser.parse_args()
    broker = EmbeddedBroker(free_port()).start()
    try:
        async with scratch_databases(args.database_url, list(APPS)) as urls:
            await run(urls, broker.bootstrap, args)
    finally:
        broker.stop()


async def run(urls: dict[str, str], bootstrap: str, args) -> None:
    for name, url in urls.items():
        await migrate(url, name)
    world, cases = generate.World.make(args.subjects), args.complaints // 10
    listed = generate.listed_subjects(world, LISTED_SHARE)
    measures = list(load_catalogue(CreditSettings().sanctions_path))
    t0 = time.perf_counter()
    await generate.load_all(urls, world, complaints=args.complaints, cases=cases, listed=listed, measures=measures)
    print(f"generated {args.complaints:,} complaints, {cases:,} cases, {args.subjects:,} subjects ({len(listed):,} "
          f"listed, {len(listed) * len(measures):,} sanctions) in {time.perf_counter() - t0:.0f}s")
    results = await measure(urls, bootstrap, world, listed, measures, args.requests)
    print(f"{args.requests} sequential requests per read; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores at the end\n")
    print(table(results))


if __name__ == "__main__":
    asyncio.run(main())
