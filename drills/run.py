"""Fault drills: `python -m drills.run [--complaints 300] [--freeze 15] [--receiver-down 30]` (make drills).

Each drill runs a load of complaints through the four services (drills/load.py: some of them clustered on
one merchant, every tenth escalated), injects its fault mid-load and reconciles: every complaint routed into
the lead agency's inbox and into the cases and credit projections once, every escalation and every cluster a
clue once, every escalation in the lead agency's inbox once, none lost, nothing left to consume or relay
anywhere (each service's /metrics: its group's lag and its outbox), and the dead-letter topics holding exactly
what they should.
0. no fault: the baseline for how long the load takes to get through;
1. the broker frozen (SIGSTOP), then resumed;
2. a consumer service (cases) killed with SIGKILL and restarted;
3. PostgreSQL restarted: every service's /readyz goes 503 and comes back;
4. 1% garbage records on each topic: all of them, and nothing else, end in the dead-letter topics;
5. a webhook receiver down: its deliveries back up, then drain with none lost and none doubled;
7. `make run` itself (the embedded default, on SQLite): each service and the broker SIGKILLed in turn under
   load, then `make run` too and started again; every complaint in complaints, the projections, the inbox and
   the complainants' SMS once (drills/makerun.py).
Fuzzing (drill 6) is `python -m drills.fuzz`."""
import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from drills.faults import (GARBAGE, consumers_of, garbage_on_every_topic, readiness_through, restart_postgres,
                           webhook_attempts, webhooks_received)
from drills.makerun import BROKER, MakeRun, complainant_sms, complaints_stored
from harness.load import escalated, load
from harness.reconcile import dead_letters, kept_unless_clean, reconcile, table
from harness.stack import Stack, stack
from harness.webhooks import Receiver, subscribe
from shared.events import topics


async def _under_load(s: Stack, n: int, fault: Callable[[], Awaitable]) -> tuple[list[str], float]:
    """Post `n` complaints and run `fault` a third of the way in; the ids, and when the load began."""
    started = time.monotonic()
    loading = asyncio.create_task(load(s, n))
    await asyncio.sleep(n / 50 / 3)
    await fault()
    return await loading, started


async def no_fault(n: int) -> dict:
    async with stack() as s:
        ids, started = await _under_load(s, n, lambda: asyncio.sleep(0))
        return await reconcile(s, ids, started=started)


async def broker_frozen(n: int, freeze: float) -> dict:
    async with stack() as s:
        async def fault():
            s.broker.freeze()
            await asyncio.sleep(freeze)
            s.broker.resume()
        ids, started = await _under_load(s, n, fault)
        return await reconcile(s, ids, started=started)


async def consumer_killed(n: int) -> dict:
    async with stack() as s:
        async def fault():
            s.kill("cases")
            await asyncio.sleep(2)
            await s.start("cases")
        ids, started = await _under_load(s, n, fault)
        return await reconcile(s, ids, started=started)


async def postgres_restarted(n: int) -> dict:
    async with stack() as s, Receiver() as receiver:
        await subscribe(s.url("notify"), "440105-amr", receiver.url("lead"), ["complaint.routed"])
        readiness = {}

        async def fault():
            watching = asyncio.create_task(readiness_through(s))
            await asyncio.to_thread(restart_postgres)
            readiness.update(await watching)
        ids, started = await _under_load(s, n, fault)
        result = {**await reconcile(s, ids, started=started), **readiness}
        return await _with_webhooks(s, receiver, ids, result)


async def garbage_injected(n: int, share: float = 0.01) -> dict:
    async with stack() as s:
        async with garbage_on_every_topic(s, share) as injected:
            ids, started = await _under_load(s, n, lambda: asyncio.sleep(0))
        expected = sum(count * consumers_of(topic) for topic, count in injected.items())
        result = await reconcile(s, ids, started=started, dead_letters_expected=expected)
        strays = [r for r in await dead_letters(s) if r.value not in GARBAGE]
        notes = [f"garbage on {topic}: {injected[topic]} records, {consumers_of(topic)} consuming services"
                 for topic in topics.ALL]
        return {**result, "stray dead letters": len(strays),
                "notes": [*notes, f"dead letters that are not garbage: {len(strays)}"]}


async def receiver_down(n: int, down: float) -> dict:
    # Short retries so the drill drains in seconds; the default schedule waits minutes between attempts.
    async with stack(NOTIFY_RETRY_SCHEDULE="0,1,2,4,8,8,8,8,8,8,8,8,8,8", NOTIFY_CIRCUIT_OPEN_SECONDS="2") as s, \
            Receiver() as receiver:
        await subscribe(s.url("notify"), "440105-amr", receiver.url("lead"), ["complaint.routed"])

        async def fault():
            await receiver.stop()
            await asyncio.sleep(down)
            await receiver.start()
        ids, started = await _under_load(s, n, fault)
        result = await _with_webhooks(s, receiver, ids, await reconcile(s, ids, started=started))
        return {**result, "seconds": time.monotonic() - started}


async def processes_killed(n: int, victims: tuple[str, ...] = ("notify", BROKER, "cases", "credit", "complaints"),
                           *, rate: float = 10) -> dict:
    """`make run` under a load of `n` complaints at `rate` a second: each of `victims` SIGKILLed in turn, and once
    make run has started it again (or, as it did before it restarted anything, make run ended and was started
    again), make run itself SIGKILLed and started again."""
    # Short retries: a complainant's SMS whose contact look-up met complaints restarting waits 300 s for its third
    # attempt under the default schedule; the drill counts what is lost, not how long a retry waits.
    m = MakeRun(extra_env={"NOTIFY_RETRY_SCHEDULE": "0,1,2,4,8,8,8,8,8,8,8,8,8,8"})
    notes = []
    try:
        await m.start()
        started = time.monotonic()
        loading = asyncio.create_task(load(m, n, rate=rate))
        step = n / rate / (len(victims) + 2)  # the kills spread over the load, make run's own near its end
        for i, name in enumerate(victims, 1):
            await asyncio.sleep(max(0.0, started + i * step - time.monotonic()))
            if not await m.back(name, m.kill(name)):
                notes.append(f"{name} killed: make run {'ended' if m.launcher.poll() is not None else 'hung'}; "
                             "started again")
                m.stop()
                await m.start()
        await asyncio.sleep(max(0.0, started + (len(victims) + 1) * step - time.monotonic()))
        if survivors := m.kill_launcher():
            notes.append(f"make run killed: {', '.join(sorted(survivors))} kept running; the drill killed them")
        await m.start()
        ids = await loading
        result = await reconcile(m, ids, started=started)
        result["places"]["complaints"] = await complaints_stored(m, ids)
        result["places"]["complainant SMS"] = await complainant_sms(m, escalated(ids), timeout=120)
        notes.append(f"make run started {m.starts} times")
        notes.append("sent again to a new broker: " + (", ".join(f"{service} {count}" for service, count in
                                                               sorted(m.republished().items())) or "nothing"))
        return {**result, "notes": [*result.get("notes", []), *notes]}
    finally:
        m.stop()


async def _with_webhooks(s: Stack, receiver: Receiver, ids: list[str], result: dict) -> dict:
    """`result` with the lead agency's webhooks as one more place, and a note of the attempts they took. A
    delivery received but still pending 20 s later was not recorded: it goes out again when its lease ends, so
    it counts as doubled."""
    place = result["places"]["webhook receiver"] = await webhooks_received(receiver, "lead", ids, timeout=120)
    deadline = time.monotonic() + 20
    while (attempts := await webhook_attempts(s))["pending"] and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    place["duplicated"] += attempts["pending"]
    note = ("webhook deliveries {deliveries}, retried {retried}, attempts {attempts}, "
            "unrecorded {pending}").format(**attempts)
    return {**result, "webhook attempts": attempts, "notes": [*result.get("notes", []), note]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--freeze", type=float, default=15)
    parser.add_argument("--receiver-down", type=float, default=30)
    parser.add_argument("--only", nargs="*", help="drill names (e.g. garbage receiver); default: all")
    args = parser.parse_args()
    n = args.complaints
    drills = {"none": ("(baseline)", lambda: no_fault(n)),
              "broker": (f"SIGSTOP broker {args.freeze:.0f} s", lambda: broker_frozen(n, args.freeze)),
              "consumer": ("SIGKILL cases, restart", lambda: consumer_killed(n)),
              "postgres": ("pg_ctlcluster restart", lambda: postgres_restarted(n)),
              "garbage": ("1% garbage on each topic", lambda: garbage_injected(n)),
              "receiver": (f"webhook receiver down {args.receiver_down:.0f} s",
                           lambda: receiver_down(n, args.receiver_down)),
              "makerun": ("SIGKILL each process of make run", lambda: processes_killed(n))}
    rows = [(name, fault, kept_unless_clean(await run())) for name, (fault, run) in drills.items()
            if not args.only or name in args.only]
    print(table(rows))


if __name__ == "__main__":
    asyncio.run(main())
