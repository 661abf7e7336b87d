"""Fault drills: `python -m drills.run [--complaints 300] [--freeze 15]` (make drills).

1. the broker frozen (SIGSTOP) mid-load, then resumed;
2. a consumer service (cases) killed with SIGKILL mid-load and restarted.
Each reconciles: every complaint in notify's inbox, the cases and the credit projections once, none lost,
nothing in the dead-letter topics."""
import argparse
import asyncio

from drills.harness import load, reconcile, stack, table


async def broker_frozen(n: int, freeze: float) -> dict:
    async with stack() as s:
        loading = asyncio.create_task(load(s, n))
        await asyncio.sleep(n / 50 / 3)
        s.broker.freeze()
        await asyncio.sleep(freeze)
        s.broker.resume()
        return await reconcile(s, await loading)


async def consumer_killed(n: int) -> dict:
    async with stack() as s:
        loading = asyncio.create_task(load(s, n))
        await asyncio.sleep(n / 50 / 3)
        s.kill("cases")
        await asyncio.sleep(2)
        await s.start("cases")
        return await reconcile(s, await loading)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--freeze", type=float, default=15)
    args = parser.parse_args()
    rows = [("broker frozen", f"SIGSTOP {args.freeze:.0f} s mid-load", await broker_frozen(args.complaints,
                                                                                           args.freeze)),
            ("consumer killed", "SIGKILL cases mid-load, restart", await consumer_killed(args.complaints))]
    print(table(rows))


if __name__ == "__main__":
    asyncio.run(main())
