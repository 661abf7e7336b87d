"""What a /metrics scrape costs each service, against its /readyz (which also asks the database and the broker)
in the same run: the four services as processes on PostgreSQL, after a load of complaints.

    .venv/bin/python -m bench.scrape [--complaints 300] [--scrapes 100]
"""
import argparse
import asyncio
import time

import httpx

from bench.figures import cpu_seconds, pct
from harness.load import load
from harness.reconcile import reconcile
from harness.stack import stack
from shared.events.topics import SERVICES


async def timed(client: httpx.AsyncClient, url: str, n: int, pid: int) -> tuple[list[float], float]:
    """Latencies in ms of `n` GETs one after another, and the service's CPU ms per GET."""
    latencies, cpu = [], cpu_seconds(pid)
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(url)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return latencies, (cpu_seconds(pid) - cpu) * 1000 / n


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--scrapes", type=int, default=100)
    args = parser.parse_args()
    async with stack() as s, httpx.AsyncClient(timeout=30) as client:
        started = time.monotonic()
        await reconcile(s, await load(s, args.complaints), started=started)
        s.keep_logs = False
        print(f"{'service':<12}{'GET':<10}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms':>8}{'vs /readyz':>12}")
        for name in SERVICES:
            pid = s.processes[name].pid
            ready, ready_cpu = await timed(client, f"{s.url(name)}/readyz", args.scrapes, pid)
            scraped, scrape_cpu = await timed(client, f"{s.url(name)}/metrics", args.scrapes, pid)
            print(f"{name:<12}{'/readyz':<10}{pct(ready, 0.5):>8.1f}{pct(ready, 0.99):>8.1f}{ready_cpu:>8.1f}")
            print(f"{name:<12}{'/metrics':<10}{pct(scraped, 0.5):>8.1f}{pct(scraped, 0.99):>8.1f}"
                  f"{scrape_cpu:>8.1f}{scrape_cpu / ready_cpu:>11.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
